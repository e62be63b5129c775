import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorFileError, loadConnectorsDir } from './connectors-dir.js';

const kitConnector = (id: string, extra = '') => `
export default ({ defineConnector, defineHttpAction, z }) =>
  defineConnector({
    id: '${id}',
    name: '${id}',
    description: 'A test connector.',
    docsUrl: 'https://example.com/docs',
    baseUrl: 'https://api.example.com',
    auth: [{ type: 'bearer' }],
    actions: [
      defineHttpAction({
        name: 'get_thing',
        description: 'Get a thing.',
        readOnly: true,
        input: z.object({ id: z.string() }),
        output: z.looseObject({ id: z.string() }),
        request: { method: 'GET', path: '/things/{id}' },
      }),
    ],
  })${extra};
`;

describe('loadConnectorsDir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'joinery-connectors-dir-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads JavaScript and TypeScript files, in name order, and skips what is not a connector file', async () => {
    await writeFile(join(dir, 'b-js.mjs'), kitConnector('b-js'));
    await writeFile(
      join(dir, 'a-ts.ts'),
      `import type { ConnectorKit } from '@joinery/engine';\n${kitConnector('a-ts').replace('({ defineConnector, defineHttpAction, z })', '({ defineConnector, defineHttpAction, z }: ConnectorKit)')}`,
    );
    // Compiled in place: the .js is loaded, not its .ts source.
    await writeFile(join(dir, 'c.ts'), 'this is not even TypeScript');
    await writeFile(join(dir, 'c.js'), kitConnector('c-compiled'));
    await writeFile(join(dir, 'types.d.ts'), 'export {};');
    await writeFile(join(dir, '_draft.mjs'), 'throw new Error("not loaded")');
    await writeFile(join(dir, 'x.test.ts'), 'throw new Error("not loaded")');
    await writeFile(join(dir, 'README.md'), '# connectors');
    const loaded = await loadConnectorsDir(dir);
    expect(loaded.connectors.map((c) => c.id)).toEqual(['a-ts', 'b-js', 'c-compiled']);
    expect(loaded.files).toEqual([join(dir, 'a-ts.ts'), join(dir, 'b-js.mjs'), join(dir, 'c.js')]);
    const action = loaded.connectors[0]?.actions[0];
    expect(action?.input.safeParse({ id: '1' }).success).toBe(true);
    expect(action?.input.safeParse({}).success).toBe(false);
  });

  it('names the file and the problem when a connector is wrong', async () => {
    await writeFile(join(dir, 'bad.mjs'), kitConnector('Bad_Id'));
    await expect(loadConnectorsDir(dir)).rejects.toThrow(
      new RegExp(`${join(dir, 'bad.mjs')}: connector "Bad_Id": id: lower-case`),
    );
  });

  it('refuses a file without a default connector, two files with one id, and a missing directory', async () => {
    await writeFile(join(dir, 'none.mjs'), 'export const x = 1;');
    await expect(loadConnectorsDir(dir)).rejects.toThrow(/none\.mjs: has no default export/);
    await rm(join(dir, 'none.mjs'));
    await writeFile(join(dir, 'one.mjs'), kitConnector('same'));
    await writeFile(join(dir, 'two.mjs'), kitConnector('same'));
    await expect(loadConnectorsDir(dir)).rejects.toThrow(
      /two\.mjs: defines connector "same", which .*one\.mjs defines too/,
    );
    await expect(loadConnectorsDir(join(dir, 'nope'))).rejects.toBeInstanceOf(ConnectorFileError);
  });

  it('explains that a TypeScript file is loaded from memory when it imports at run time', async () => {
    await writeFile(
      join(dir, 'runtime-import.ts'),
      `import { z } from 'zod';\nexport default { id: String(z) };\n`,
    );
    await expect(loadConnectorsDir(dir)).rejects.toThrow(/may only `import type`/);
  });
});
