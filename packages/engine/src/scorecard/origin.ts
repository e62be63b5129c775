import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ConnectorDefinition } from '../connector/types.js';
import type { LoadedConnectors } from '../scaffold/connectors-dir.js';

/** Where a connector came from, which says who maintains it. */
export type ConnectorOrigin =
  /** Shipped with Joinery (`@joinery/connectors`), tested by Joinery's suites. */
  | { kind: 'shipped' }
  /** A file in JOINERY_CONNECTORS_DIR, written by its owner. */
  | { kind: 'connectors_dir'; file: string }
  /** A file in JOINERY_CONNECTORS_DIR that Joinery's builder scaffolded from an OpenAPI document. */
  | { kind: 'scaffolded'; file: string }
  /** Passed in code by the program that embeds Joinery. */
  | { kind: 'embedded' };

// The first line the builder writes (packages/builder/src/openapi/scaffold-connector.ts).
const SCAFFOLD_MARK = '// Scaffolded by Joinery';

// Keyed by the definition object itself: the registry holds the same objects the loader returned.
const origins = new WeakMap<ConnectorDefinition, ConnectorOrigin>();

/**
 * Remembers the file each connector of a JOINERY_CONNECTORS_DIR load came from, and whether the
 * builder scaffolded it (its first line says so; an owner who rewrites the file may delete that
 * line, and then it counts as theirs).
 */
export async function recordConnectorFiles(loaded: LoadedConnectors): Promise<void> {
  for (const [index, connector] of loaded.connectors.entries()) {
    const file = loaded.files[index];
    if (file === undefined) continue;
    const scaffolded = (await firstLine(file)).startsWith(SCAFFOLD_MARK);
    origins.set(connector, { kind: scaffolded ? 'scaffolded' : 'connectors_dir', file });
  }
}

/** The recorded origin of a connector that came from a file; null when none was recorded. */
export function recordedOrigin(connector: ConnectorDefinition): ConnectorOrigin | null {
  return origins.get(connector) ?? null;
}

/**
 * Where the evidence of a connector from a file is looked for: `evidence/<id>/` next to the file,
 * in the same format as Joinery's own (docs/scorecards.md).
 */
export function evidenceDirFor(origin: ConnectorOrigin): string | null {
  return origin.kind === 'connectors_dir' || origin.kind === 'scaffolded'
    ? join(dirname(origin.file), 'evidence')
    : null;
}

async function firstLine(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(256);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8').split('\n', 1)[0] ?? '';
  } finally {
    await handle.close();
  }
}
