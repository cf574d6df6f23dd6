/** The payload sizes of the verification benchmark, in bytes. */
export const SIZES = [256, 1024, 16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024] as const;

/** `1 KiB`, `256 B`, `1 MiB`: how a size is written in the tables. */
export const formatSize = (bytes: number): string => {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
};

// mulberry32: a tiny seeded generator, so every run (and every process) builds the same bytes.
const random = (seed: number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const TYPES = ['invoice.paid', 'customer.updated', 'order.shipped', 'refund.created'];
const NAMES = ['Ada Lovelace', 'José Martínez', 'Zoë Müller', 'Li Wei', 'Ngozi Okafor'];
const CURRENCIES = ['eur', 'usd', 'gbp', 'jpy'];

const event = (next: () => number, index: number) => {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const items = Array.from({ length: 1 + Math.floor(next() * 3) }, (_, i) => ({
    sku: `sku_${(next() * 1e8).toFixed(0)}`,
    quantity: 1 + Math.floor(next() * 5),
    unit_amount: Math.floor(next() * 100_000),
    line: i + 1,
  }));
  return {
    id: `evt_${index.toString(36).padStart(6, '0')}${(next() * 1e12).toFixed(0)}`,
    type: pick(TYPES),
    created_at: new Date(1_700_000_000_000 + Math.floor(next() * 1e10)).toISOString(),
    livemode: next() < 0.5,
    customer: { id: `cus_${(next() * 1e10).toFixed(0)}`, name: pick(NAMES) },
    amount: Math.floor(next() * 1_000_000) / 100,
    currency: pick(CURRENCIES),
    items,
    metadata: { source: 'bench', attempt: 1 + Math.floor(next() * 3), note: null },
  };
};

// What fits in the smallest payloads: the summary of one event.
const compact = ({ id, type, created_at, amount, currency }: ReturnType<typeof event>) => ({
  id,
  type,
  created_at,
  amount,
  currency,
});

const encoder = new TextEncoder();

/**
 * A realistic JSON delivery (a batch of event objects) of exactly `size` bytes of UTF-8,
 * the same bytes on every run. Events are added while they fit; a `pad` string makes up
 * the rest.
 */
export const jsonPayload = (size: number, seed = 1): Buffer => {
  const next = random(seed ^ size);
  const head = { type: 'event.batch', batch_id: `bat_${size}_${seed}`, events: [] as unknown[] };
  const bytesOf = (value: unknown) => encoder.encode(JSON.stringify(value)).byteLength;
  // Serialized, the events sit between the fixed head and tail, one comma apart.
  let length = bytesOf({ ...head, pad: '' });
  if (length > size) throw new RangeError(`A payload cannot be smaller than ${length} bytes.`);
  for (let index = 0; ; index++) {
    const full = event(next, index);
    const candidate = index === 0 && length + bytesOf(full) > size ? compact(full) : full;
    const added = bytesOf(candidate) + (index > 0 ? 1 : 0);
    if (length + added > size) break;
    head.events.push(candidate);
    length += added;
  }
  const bytes = Buffer.from(JSON.stringify({ ...head, pad: 'x'.repeat(size - length) }));
  if (bytes.byteLength !== size) throw new Error(`payload is ${bytes.byteLength}, not ${size} B`);
  return bytes;
};

/** A copy of `body` with one byte changed in the middle: same length, wrong signature. */
export const tamper = (body: Uint8Array): Buffer => {
  const copy = Buffer.from(body);
  const middle = copy.byteLength >> 1;
  copy[middle] = copy[middle] === 0x78 ? 0x79 : 0x78;
  return copy;
};
