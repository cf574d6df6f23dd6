const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** A way the body may have been re-serialized, and the bytes it gives. */
export interface Variant {
  label: string;
  bytes: Uint8Array;
}

const text = (bytes: Uint8Array): string | undefined => {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
};

/**
 * Common re-serializations of a body, each different from it: JSON compact and indented (the
 * usual result of a parser then `JSON.stringify`), a trailing newline added or dropped, CRLF
 * and LF line ends swapped, a byte-order mark dropped. If the signature matches one of these,
 * the bytes changed between signing and receiving.
 */
export const bodyVariants = (body: Uint8Array): Variant[] => {
  const source = text(body);
  if (source === undefined) return [];
  const found = new Map<string, string>();
  const add = (label: string, candidate: string) => {
    if (candidate !== source && ![...found.values()].includes(candidate))
      found.set(label, candidate);
  };
  let parsed: { value: unknown } | undefined;
  try {
    parsed = { value: JSON.parse(source) };
  } catch {
    parsed = undefined;
  }
  // Byte-level edits first: when one explains the difference, it is the more precise answer.
  if (source.endsWith('\r\n')) add('the body without its trailing CRLF', source.slice(0, -2));
  if (source.endsWith('\n')) add('the body without its trailing newline', source.slice(0, -1));
  add('the body with a trailing newline (\\n) added', `${source}\n`);
  add('the body with a trailing CRLF added', `${source}\r\n`);
  if (source.includes('\r\n'))
    add('the body with CRLF line ends turned into LF', source.replaceAll('\r\n', '\n'));
  if (/(^|[^\r])\n/.test(source)) {
    add('the body with LF line ends turned into CRLF', source.replace(/\r?\n/g, '\r\n'));
  }
  if (source.startsWith('\uFEFF')) add('the body without its byte-order mark', source.slice(1));
  if (parsed) {
    const forms: [string, string][] = [
      ['JSON.stringify(JSON.parse(body)) (compact JSON)', JSON.stringify(parsed.value)],
      [
        'JSON.stringify(body, null, 2) (2-space indented JSON)',
        JSON.stringify(parsed.value, null, 2),
      ],
      [
        'JSON.stringify(body, null, 4) (4-space indented JSON)',
        JSON.stringify(parsed.value, null, 4),
      ],
      [
        'JSON.stringify(body, null, "\\t") (tab-indented JSON)',
        JSON.stringify(parsed.value, null, '\t'),
      ],
    ];
    for (const [label, form] of forms) {
      add(label, form);
      add(`${label} with a trailing newline`, `${form}\n`);
    }
  }
  return [...found].map(([label, candidate]) => ({ label, bytes: encoder.encode(candidate) }));
};
