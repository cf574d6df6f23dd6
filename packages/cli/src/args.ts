import { parseArgs } from 'node:util';
import { InputError, UsageError } from './io.js';

type Option = { type: 'string' | 'boolean'; multiple?: boolean; short?: string };
type Options = Record<string, Option>;

/** What parsing gives for each option: a boolean, a string, or strings when repeatable. */
type Values<O extends Options> = { help?: boolean } & {
  [K in keyof O]?: O[K]['type'] extends 'boolean'
    ? boolean
    : O[K]['multiple'] extends true
      ? string[]
      : string;
};

/**
 * A word from the command line, fit to echo in an error: only when it is spelled like an
 * option or a command. Anything else may be a secret typed in the wrong place.
 */
export const shown = (word: string, otherwise: string): string =>
  /^-{0,2}[a-z][a-z-]{0,15}$/.test(word) ? word : `(${otherwise})`;

/** `--help`/`-h`, accepted by every command. */
const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * `node:util` parseArgs, strict, with its errors turned into {@link UsageError}s that name the
 * option but never echo a value (a misplaced secret must not end up on screen).
 */
export const parse = <O extends Options>(
  command: string,
  argv: string[],
  options: O,
): { values: Values<O>; positionals: string[] } => {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...HELP, ...options },
      allowPositionals: true,
    });
    return parsed as { values: Values<O>; positionals: string[] };
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = (/'([^']*)'/.exec(message)?.[1] ?? '').split('=')[0] ?? '';
      throw new UsageError(`unknown option ${shown(option, 'that starts with -')}`, command);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const option = /--[\w-]+/.exec(message)?.[0] ?? 'an option';
      const takesNone = message.includes('does not take an argument');
      throw new UsageError(`${option} ${takesNone ? 'takes no value' : 'needs a value'}`, command);
    }
    throw new UsageError('the command line could not be parsed', command);
  }
};

/** Refuses positionals beyond `allowed`, without printing them. */
export const positionals = (command: string, given: string[], allowed: number): string[] => {
  if (given.length > allowed) {
    throw new UsageError(
      `unexpected argument (${given.length - allowed} more than this command takes)`,
      command,
    );
  }
  return given;
};

/** Digits only, as a safe integer; `what` names the option in the message. */
export const wholeNumber = (value: string, what: string): number => {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number)) {
    throw new UsageError(`${what} must be a whole number, digits only`);
  }
  return number;
};

/** `--data @file`, `--data @-` (stdin) or a literal string, as bytes. */
export type DataSource = { file: string } | { stdin: true } | { literal: string };

export const dataSource = (value: string): DataSource => {
  if (value === '@-') return { stdin: true };
  if (value.startsWith('@')) {
    if (value.length === 1) throw new InputError('--data @ needs a file name after the @');
    return { file: value.slice(1) };
  }
  return { literal: value };
};

/** `Name: value`, as `--header` takes it. */
export const headerOption = (value: string): [string, string] => {
  const colon = value.indexOf(':');
  const name = value.slice(0, colon).trim();
  if (colon < 1 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new UsageError(`--header must be 'Name: value'; got a value with no valid name`);
  }
  return [name, value.slice(colon + 1).trim()];
};
