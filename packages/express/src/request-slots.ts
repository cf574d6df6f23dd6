import { IncomingMessage } from 'node:http';
import type { Authenticated, VerifiedWebhook } from '@hookguard/core';

/** What a request let through carries: `req.auth`, and for a delivery `req.webhook`. */
export interface Passed {
  readonly auth: Authenticated;
  readonly webhook?: VerifiedWebhook;
  /** The body was read here, so body-parser 1.x (Express 4) must skip it (`req._body`). */
  readonly bodyRead?: boolean;
}

type Slots = WeakMap<object, Passed>;
type Name = 'webhook' | 'auth' | '_body';

const NAMES: readonly Name[] = ['webhook', 'auth', '_body'];
const read = (passed: Passed, name: Name): unknown =>
  name === '_body' ? passed.bodyRead || undefined : passed[name];

// Registered and kept on the prototype, so the ESM and CJS builds of this package (two
// module instances in one app) share one set of accessors and see each other's requests.
const SLOTS = Symbol.for('hookguard.express.passed');

// Express gives every request its app's prototype (Object.setPrototypeOf), and V8 caches
// no property transition after that: each property a middleware adds to `req` builds a new
// hidden class, about 28k instructions, near a tenth of a whole request (bench/findings.md,
// part 10). So `webhook`, `auth` and `_body` are accessors on Express's base request
// prototype, reading a WeakMap; assigning one (another middleware's `req.auth = ...`) makes
// it an own property, as it was.
const install = (base: object): Slots | undefined => {
  const shared: unknown = Object.getOwnPropertyDescriptor(base, SLOTS)?.value;
  if (shared instanceof WeakMap) return shared as Slots;
  if (!Object.isExtensible(base) || NAMES.some((name) => Object.hasOwn(base, name))) return;
  const slots: Slots = new WeakMap();
  for (const name of NAMES) {
    Object.defineProperty(base, name, {
      configurable: true,
      get(this: object) {
        const passed = slots.get(this);
        return passed && read(passed, name);
      },
      set(this: object, value: unknown) {
        Object.defineProperty(this, name, {
          value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      },
    });
  }
  Object.defineProperty(base, SLOTS, { value: slots });
  return slots;
};

// Express's request object sits right above Node's IncomingMessage in every app's chain,
// sub-apps included; a request with no such prototype gets own properties.
const baseOf = (proto: object | null): object | undefined => {
  for (let at = proto; at !== null; at = Object.getPrototypeOf(at) as object | null) {
    if (Object.getPrototypeOf(at) === IncomingMessage.prototype) return at;
  }
};

const slotsByProto = new WeakMap<object, Slots | null>();

const slotsOf = (req: object): Slots | null => {
  const proto = Object.getPrototypeOf(req) as object;
  let slots = slotsByProto.get(proto);
  if (slots === undefined) {
    const base = baseOf(proto);
    slots = (base && install(base)) ?? null;
    slotsByProto.set(proto, slots);
  }
  return slots;
};

/**
 * Makes `req.auth` (and for a delivery `req.webhook`, and `req._body`) read `passed`. A
 * request that already has one of them as its own property gets all of them as own
 * properties, so what this middleware sets is what later ones read.
 */
export const pass = (req: object, passed: Passed): void => {
  const slots = slotsOf(req);
  if (slots && !NAMES.some((name) => Object.hasOwn(req, name))) {
    slots.set(req, passed);
    return;
  }
  const own = req as Record<Name, unknown>;
  own.auth = passed.auth;
  if (passed.webhook) own.webhook = passed.webhook;
  if (passed.bodyRead) own._body = true;
};
