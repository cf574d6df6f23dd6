import { parse, shown } from './args.js';
import { type Command, EXIT } from './command.js';
import { secret } from './commands/secret.js';
import { send } from './commands/send.js';
import { sign } from './commands/sign.js';
import { verify } from './commands/verify.js';
import { type CliIo, InputError, type Io, toIo, UsageError } from './io.js';

const COMMANDS: readonly Command[] = [secret, sign, send, verify];

const usage = `Usage: hookguard <command> [options]

Commands:
${COMMANDS.map(({ name, summary }) => `  ${name.padEnd(8)}${summary}`).join('\n')}

Run 'hookguard <command> --help' for a command's options.
Secrets can come from $HOOKGUARD_SECRET instead of --secret (kept out of shell history).

Exit codes: 0 success, 1 refused (verification failed, a request was refused),
2 usage error or bad input.`;

const dispatch = async (argv: string[], io: Io): Promise<number> => {
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith('-')) {
    const { values, positionals } = parse('', argv, {});
    if (values.help) {
      io.out(usage);
      return EXIT.ok;
    }
    throw new UsageError(positionals.length ? 'options go after the command' : 'no command given');
  }
  if (first === 'help') {
    const [name] = rest;
    const topic = COMMANDS.find((command) => command.name === name);
    if (name !== undefined && !topic) {
      throw new UsageError(`no help for ${shown(name, 'that word')}: not a command`);
    }
    io.out(topic?.usage ?? usage);
    return EXIT.ok;
  }
  const command = COMMANDS.find(({ name }) => name === first);
  if (!command) throw new UsageError(`unknown command ${shown(first, 'the first word')}`);
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) error.command ??= command.name;
    throw error;
  }
};

/**
 * Runs the `hookguard` command line with `argv` (the arguments after `hookguard`) and
 * resolves with its exit code: 0 success, 1 refused (verification failed, a request was
 * refused), 2 usage error or bad input. It never throws and never prints a stack trace;
 * output goes to `io` (default: the process's own streams and environment).
 *
 * @example
 * ```ts
 * import { main } from 'hookguard';
 *
 * const code = await main(['secret', '--scheme', 'standard-webhooks']);
 * process.exitCode = code;
 * ```
 */
export async function main(argv: string[], io?: CliIo): Promise<number> {
  const streams = toIo(io);
  try {
    return await dispatch(argv, streams);
  } catch (error) {
    if (error instanceof UsageError) {
      const command = error.command ? ` ${error.command}` : '';
      streams.err(`hookguard${command}: ${error.message}`);
      streams.err(`Run 'hookguard${command} --help' for usage.`);
      return EXIT.usage;
    }
    if (error instanceof InputError) {
      streams.err(`hookguard: ${error.message}`);
      return EXIT.usage;
    }
    streams.err(`hookguard: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.usage;
  }
}
