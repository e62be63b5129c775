import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ScaffoldError } from './document.js';
import type { ScaffoldedConnector } from './scaffold-connector.js';

/**
 * Writes the connector file into `directory` (created if missing) and answers its path. An
 * existing file is kept unless `overwrite`: it may hold the user's edits.
 */
export async function writeConnectorFile(
  directory: string,
  connector: ScaffoldedConnector,
  options: { overwrite?: boolean } = {},
): Promise<string> {
  const dir = resolve(directory);
  const file = join(dir, connector.fileName);
  const exists = await stat(file).then(
    () => true,
    () => false,
  );
  if (exists && !options.overwrite)
    throw new ScaffoldError(
      `${file} exists and may hold your edits; pass overwrite: true to replace it, or choose another id`,
      'id',
    );
  await mkdir(dir, { recursive: true });
  await writeFile(file, connector.source, 'utf8');
  return file;
}
