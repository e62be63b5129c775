import { readFile, readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConnectorDefinitionError, validateConnector } from '../connector/registry.js';
import type { ConnectorDefinition } from '../connector/types.js';
import { connectorKit, type ConnectorKit } from './connector-kit.js';

/** A connector file that cannot be used; the message names the file and what to do. */
export class ConnectorFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${problem}`, options);
    this.name = 'ConnectorFileError';
  }
}

export interface LoadedConnectors {
  connectors: ConnectorDefinition[];
  /** The file each connector came from, in the same order. */
  files: string[];
}

/** More files than this in one directory is a mistake (a repo root, a node_modules), not a catalog. */
const MAX_FILES = 200;
const JS = new Set(['.js', '.mjs']);
const TS = new Set(['.ts', '.mts']);

/**
 * Loads every connector file at the top of `dir`: `.js`/`.mjs` by dynamic import, `.ts`/`.mts`
 * transpiled in memory with the `typescript` package (resolved from `dir` first, then from
 * Joinery) and imported from a `data:` URL — so a TypeScript file may only `import type`, which
 * the kit form (`export default (kit: ConnectorKit) => …`) needs no more than. When `x.js` sits
 * next to `x.ts` (compiled in place), the `.js` is loaded. Declarations (`.d.ts`), tests and
 * files starting with `.` or `_` are skipped. Each connector is validated; a broken file stops
 * loading with its name in the error.
 */
export async function loadConnectorsDir(dir: string): Promise<LoadedConnectors> {
  const root = resolve(dir);
  let names: string[];
  try {
    if (!(await stat(root)).isDirectory()) throw new ConnectorFileError(root, 'is not a directory');
    names = await readdir(root);
  } catch (error) {
    if (error instanceof ConnectorFileError) throw error;
    throw new ConnectorFileError(root, `cannot be read (${(error as Error).message})`, {
      cause: error,
    });
  }
  const candidates = names
    .filter((name) => !name.startsWith('.') && !name.startsWith('_'))
    .filter((name) => !/\.d\.m?ts$/.test(name) && !/\.test\.[cm]?[jt]s$/.test(name))
    .filter((name) => JS.has(extname(name)) || TS.has(extname(name)))
    .sort();
  const compiled = new Set(
    candidates.filter((name) => JS.has(extname(name))).map((name) => stem(name)),
  );
  const files = candidates
    .filter((name) => !(TS.has(extname(name)) && compiled.has(stem(name))))
    .map((name) => join(root, name));
  if (files.length > MAX_FILES)
    throw new ConnectorFileError(
      root,
      `holds ${files.length} script files; a connectors directory holds at most ${MAX_FILES}. Is it the right directory?`,
    );
  const connectors: ConnectorDefinition[] = [];
  for (const file of files) connectors.push(await loadConnectorFile(file, root));
  const seen = new Map<string, string>();
  connectors.forEach((connector, index) => {
    const other = seen.get(connector.id);
    if (other !== undefined)
      throw new ConnectorFileError(
        files[index] as string,
        `defines connector "${connector.id}", which ${other} defines too`,
      );
    seen.set(connector.id, files[index] as string);
  });
  return { connectors, files };
}

/** Imports one connector file and checks its default export. */
export async function loadConnectorFile(
  file: string,
  root = resolve(file, '..'),
): Promise<ConnectorDefinition> {
  const moduleUrl = TS.has(extname(file))
    ? await transpiledUrl(file, root)
    : // The modification time busts Node's module cache when a file is reloaded after an edit.
      `${pathToFileURL(file).href}?mtime=${(await stat(file)).mtimeMs}`;
  let loaded: { default?: unknown };
  try {
    loaded = (await import(moduleUrl)) as { default?: unknown };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const hint =
      TS.has(extname(file)) && typeof code === 'string' && code.startsWith('ERR_')
        ? ' A TypeScript connector file is loaded from memory and may only `import type`: take defineConnector, defineHttpAction and z from the kit argument (export default (kit: ConnectorKit) => …), or compile it to .js next to it.'
        : '';
    throw new ConnectorFileError(file, `could not be loaded: ${(error as Error).message}.${hint}`, {
      cause: error,
    });
  }
  const exported = loaded.default;
  const connector =
    typeof exported === 'function'
      ? (exported as (kit: ConnectorKit) => unknown)(connectorKit)
      : exported;
  if (typeof connector !== 'object' || connector === null)
    throw new ConnectorFileError(
      file,
      'has no default export of a connector: `export default defineConnector({…})`, or `export default (kit) => kit.defineConnector({…})`',
    );
  try {
    validateConnector(connector as ConnectorDefinition);
  } catch (error) {
    if (error instanceof ConnectorDefinitionError)
      throw new ConnectorFileError(file, error.message, { cause: error });
    throw error;
  }
  return connector as ConnectorDefinition;
}

interface TypeScriptApi {
  transpileModule(
    input: string,
    options: { compilerOptions: Record<string, unknown>; fileName: string },
  ): { outputText: string };
  ModuleKind: { ESNext: number };
  ScriptTarget: { ES2022: number };
}

async function transpiledUrl(file: string, root: string): Promise<string> {
  const ts = await loadTypeScript(root, file);
  const source = await readFile(file, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: basename(file),
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      sourceMap: false,
    },
  });
  return `data:text/javascript;base64,${Buffer.from(outputText, 'utf8').toString('base64')}`;
}

async function loadTypeScript(root: string, file: string): Promise<TypeScriptApi> {
  // The user's own TypeScript first (their repo), then the one next to Joinery.
  const places = [join(root, 'package.json'), import.meta.url];
  for (const place of places) {
    try {
      const path = createRequire(place).resolve('typescript');
      const loaded = (await import(pathToFileURL(path).href)) as {
        default?: TypeScriptApi;
      } & Partial<TypeScriptApi>;
      const api = loaded.default ?? (loaded as TypeScriptApi);
      if (typeof api.transpileModule === 'function') return api;
    } catch {
      // Not installed there; try the next place.
    }
  }
  throw new ConnectorFileError(
    file,
    'is TypeScript, and the `typescript` package cannot be found (from the connectors directory or from Joinery): install it, or compile the file to .js next to it',
  );
}

function stem(name: string): string {
  return name.slice(0, name.length - extname(name).length);
}
