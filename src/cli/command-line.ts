// What `npm run runs` and `npm run tokens` share: commands with their own usage and options,
// `--help` at every level, and mistakes reported as one usage error instead of a stack.
import { parseArgs } from "node:util";

/** A mistake in how the command was called: reported with its usage, exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

export interface CommandSpec {
  /** One line: how it is called (after the program's name). */
  synopsis: string;
  /** What it does and prints, shown by `<program> <command> --help`. */
  help: string;
  /** Options it takes besides the program's common ones. */
  options: readonly string[];
  /** How many positional arguments (after the command's name) it takes. */
  positionals: number;
}

/** Every option of the program; `common` ones (the server's URL, a token) are taken by every command. */
type OptionSpecs = Record<string, { type: "string" | "boolean"; short?: string; common?: boolean }>;

export type ParsedCommandLine =
  | { kind: "help"; text: string }
  | {
      kind: "command";
      command: string;
      args: string[];
      values: Record<string, string | boolean | undefined>;
    };

/**
 * Parses `argv` as `<command> [args] [options]`: `--help` (or `help [command]`) anywhere answers
 * that level's usage; an unknown command, option or extra argument is a UsageError.
 */
export function parseCommandLine(
  program: string,
  argv: readonly string[],
  commands: Record<string, CommandSpec>,
  options: OptionSpecs,
  overview: string,
): ParsedCommandLine {
  const usageOf = (name: string) => `usage: ${program} ${commands[name]!.synopsis}\n${commands[name]!.help}`;
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { ...withoutCommon(options), help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    // An unknown option or a missing value: node:util's message names it.
    const named = argv.find((arg) => arg in commands);
    throw new UsageError((error as Error).message, named ? usageOf(named) : overview);
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (command === "help" || command === undefined) {
    const topic = args[0];
    if (topic !== undefined && topic in commands) return { kind: "help", text: usageOf(topic) };
    if (command === undefined && !values.help) throw new UsageError("no command given", overview);
    return { kind: "help", text: overview };
  }
  if (!(command in commands)) throw new UsageError(`unknown command "${command}"`, overview);
  const spec = commands[command]!;
  if (values.help) return { kind: "help", text: usageOf(command) };
  const foreign = Object.keys(values).filter(
    (name) => name !== "help" && !options[name]?.common && !spec.options.includes(name),
  );
  if (foreign.length > 0) {
    throw new UsageError(`${command} does not take ${foreign.map((name) => `--${name}`).join(", ")}`, usageOf(command));
  }
  if (args.length > spec.positionals) {
    throw new UsageError(`${command} does not take "${args[spec.positionals]}"`, usageOf(command));
  }
  return { kind: "command", command, args, values };
}

const withoutCommon = (options: OptionSpecs) =>
  Object.fromEntries(
    Object.entries(options).map(([name, { type, short }]) => [name, short ? { type, short } : { type }]),
  );
