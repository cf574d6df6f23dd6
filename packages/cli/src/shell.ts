/** One sh word: single quotes, with each `'` closed, escaped and reopened. */
export const shellQuote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * A `printf` format that writes `bytes` exactly: printable ASCII as itself, `%` doubled,
 * and everything else (quotes, backslashes, control and non-ASCII bytes) as a three-digit
 * octal escape, which POSIX printf decodes in its format string. Three digits always, so
 * a digit after an escape is never read as part of it. A leading `-` is escaped too: sh's
 * printf would read the format as an option (`-v`, `--`) and print nothing.
 */
export const printfFormat = (bytes: Uint8Array): string => {
  let format = '';
  for (const byte of bytes) {
    if (byte === 0x25) format += '%%';
    else if (byte === 0x2d && format === '') format += '\\055';
    else if (byte >= 0x20 && byte <= 0x7e && byte !== 0x27 && byte !== 0x5c) {
      format += String.fromCharCode(byte);
    } else format += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return format;
};

/** A curl command that POSTs `body` (embedded, or read from `file`) with `headers`. */
export const curlCommand = (
  url: string,
  headers: readonly (readonly [string, string])[],
  body: { bytes: Uint8Array } | { file: string },
): string => {
  const parts = ['curl -sS', shellQuote(url)];
  for (const [name, value] of headers) parts.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  if ('file' in body) {
    parts.push(`--data-binary ${shellQuote(`@${body.file}`)}`);
    return parts.join(' \\\n  ');
  }
  parts.push('--data-binary @-');
  return `printf ${shellQuote(printfFormat(body.bytes))} |\n  ${parts.join(' \\\n  ')}`;
};
