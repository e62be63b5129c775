// A command is described once (`CommandSpec`): that description drives both argument parsing
// (node:util parseArgs, strict) and `--help`, so the help cannot drift from what is accepted.
import { parseArgs } from 'node:util';
import type { CliIo } from './io.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder for the value in help, e.g. `N` in `--port N`. */
  value?: string;
  description: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

export interface CommandSpec<O extends OptionSpecs = OptionSpecs> {
  /** As typed after `joinery`, e.g. `connectors` or `secret-key rotate`. */
  name: string;
  /** One line for `joinery --help`. */
  summary: string;
  /** The synopsis after `Usage: `. */
  usage: string;
  description?: string;
  /** Positional arguments, in order: [name, description]. */
  arguments?: readonly (readonly [string, string])[];
  options: O;
  /** Environment variables the command reads: [name, description]. */
  environment?: readonly (readonly [string, string])[];
  examples?: readonly string[];
}

export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
};

export interface ParsedArgs<O extends OptionSpecs> {
  values: OptionValues<O>;
  positionals: string[];
}

export interface Command {
  spec: CommandSpec;
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** A mistake in how the command was invoked: exit code 2, with what is wrong and what to do. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** The command whose `--help` to point at; none for problems `--help` does not solve. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** Thrown by `parseCommand` when `--help` was asked for; `run` prints the help and exits 0. */
export class HelpRequested extends Error {
  override readonly name = 'HelpRequested';
  constructor(readonly spec: CommandSpec) {
    super(`help for ${spec.name}`);
  }
}

const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help' };

/**
 * Parses `argv` against the spec. Positionals beyond those the spec lists are refused without
 * being repeated back: on `connect` the stray argument may well be a secret.
 */
export function parseCommand<O extends OptionSpecs>(
  spec: CommandSpec<O>,
  argv: readonly string[],
): ParsedArgs<O> {
  const maxPositionals = spec.arguments?.length ?? 0;
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, option] of Object.entries({ ...spec.options, help: HELP_OPTION })) {
    options[name] = option.short
      ? { type: option.type, short: option.short }
      : { type: option.type };
  }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    const result = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
    parsed = { values: result.values, positionals: result.positionals };
  } catch (error) {
    if (argv.includes('--help') || argv.includes('-h')) throw new HelpRequested(spec);
    throw new UsageError(describeParseError(error, spec), spec.name);
  }
  if (parsed.values.help === true) throw new HelpRequested(spec);
  if (parsed.positionals.length > maxPositionals) {
    const expected =
      maxPositionals === 0
        ? 'takes no arguments'
        : `takes at most ${maxPositionals} argument${maxPositionals === 1 ? '' : 's'} (${(spec.arguments ?? []).map(([name]) => name).join(', ')})`;
    throw new UsageError(
      `${spec.name} ${expected}, but was given ${parsed.positionals.length}.`,
      spec.name,
    );
  }
  const { help: _help, ...values } = parsed.values;
  return { values: values as OptionValues<O>, positionals: parsed.positionals };
}

function describeParseError(error: unknown, spec: CommandSpec): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    // parseArgs quotes `--name=value` whole; only the name is repeated, the value may be a secret.
    const name = /'(-[^'=]*)/.exec(message)?.[1] ?? 'an option';
    return `unknown option ${name}.`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /'(--?[\w-]+)/.exec(message)?.[1] ?? 'an option';
    const option = spec.options[name.replace(/^-+/, '')];
    if (option?.type === 'boolean') return `${name} is a switch and takes no value.`;
    const placeholder = option?.value ?? 'VALUE';
    return `${name} needs a value: ${name} ${placeholder} (a value starting with "-" is written ${name}=-…).`;
  }
  return message;
}

/** The text of `joinery <command> --help`. */
export function renderHelp(spec: CommandSpec): string {
  const lines = [`Usage: ${spec.usage}`, '', spec.summary];
  if (spec.description) lines.push('', spec.description);
  if (spec.arguments?.length) {
    lines.push('', 'Arguments:', ...twoColumns(spec.arguments.map(([n, d]) => [n, d])));
  }
  const options = Object.entries({ ...spec.options, help: HELP_OPTION }).map(
    ([name, option]): [string, string] => [
      `${option.short ? `-${option.short}, ` : ''}--${name}${option.value ? ` ${option.value}` : ''}`,
      option.description,
    ],
  );
  lines.push('', 'Options:', ...twoColumns(options));
  if (spec.environment?.length) {
    lines.push('', 'Environment:', ...twoColumns(spec.environment.map(([n, d]) => [n, d])));
  }
  if (spec.examples?.length) {
    lines.push('', 'Examples:', ...spec.examples.map((example) => `  ${example}`));
  }
  return `${lines.join('\n')}\n`;
}

function twoColumns(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}
