import type { WebhookScheme } from '@hookguard/core';

/** What probing `scheme.sign()` tells about a scheme's headers. */
export interface Anatomy {
  /** Headers whose value depends on the body, each with the character positions that do. */
  signatures: ReadonlyMap<string, readonly number[]>;
  /** The header carrying the id passed to `sign`, when the scheme sends one. */
  idHeader?: string;
  /** Whether the signature changes with the id, so a changed id is a tampering. */
  idSigned: boolean;
  /** Whether any header depends on the signing time. */
  timeInHeaders: boolean;
}

const PROBE_TIME = 1_700_000_000_000;
const PROBE_IDS = ['probeid1', 'probeid2'] as const;
// Form-like and JSON-like at once, so schemes that sign parsed form fields see different ones.
const PROBE_BODIES = ['probe=1', 'probe=2', 'probe=3', 'probe=4', 'other=1'];

const anatomies = new WeakMap<WebhookScheme, Promise<Anatomy>>();

/**
 * Learns a scheme's anatomy once, from `sign()` alone: which headers carry the signature, which
 * carries the id and whether it is signed, and whether the time is. `verify()` is never asked,
 * so a scheme whose `verify` is wrong cannot teach the arbitraries to expect its mistakes.
 */
export const anatomyOf = (scheme: WebhookScheme): Promise<Anatomy> => {
  let known = anatomies.get(scheme);
  if (!known) {
    known = probe(scheme);
    anatomies.set(scheme, known);
  }
  return known;
};

const probe = async (scheme: WebhookScheme): Promise<Anatomy> => {
  const [first, second] = PROBE_IDS;
  const sign = (body: string, id: string = first, timestamp = PROBE_TIME) =>
    scheme.sign({ body, id, timestamp });
  const [again, base, ...others] = await Promise.all(
    [PROBE_BODIES[0] as string, ...PROBE_BODIES].map((body) => sign(body)),
  );
  if (!base || !again) throw new Error('unreachable');
  // Re-signing is how a tampering is told from a change the sender would sign the same way.
  if (Object.keys({ ...base, ...again }).some((name) => base[name] !== again[name])) {
    throw new TypeError(
      `${scheme.name}: sign() returns different headers for the same body, id and timestamp. The arbitraries need it to be deterministic, as every hookguard scheme is: take the id and timestamp it is given.`,
    );
  }

  const signatures = new Map<string, number[]>();
  for (const [name, value] of Object.entries(base)) {
    const positions = new Set<number>();
    for (const other of others) {
      const changed = other[name] ?? '';
      for (let i = 0; i < Math.max(value.length, changed.length); i++) {
        if (value[i] !== changed[i]) positions.add(i);
      }
    }
    if (positions.size > 0)
      signatures.set(
        name,
        [...positions].sort((a, b) => a - b),
      );
  }
  if (signatures.size === 0) {
    throw new TypeError(
      `${scheme.name}: sign() returns the same headers for different bodies, so it signs no body and no delivery of it can be tampered with.`,
    );
  }

  const otherId = await sign(PROBE_BODIES[0] as string, second);
  const idHeader = Object.keys(base).find(
    (name) => base[name] === first && otherId[name] === second,
  );
  const idSigned =
    idHeader !== undefined && [...signatures.keys()].some((name) => base[name] !== otherId[name]);

  const later = await sign(PROBE_BODIES[0] as string, first, PROBE_TIME + 86_400_000);
  const timeInHeaders = Object.keys({ ...base, ...later }).some(
    (name) => base[name] !== later[name],
  );

  return { signatures, ...(idHeader !== undefined && { idHeader }), idSigned, timeInHeaders };
};
