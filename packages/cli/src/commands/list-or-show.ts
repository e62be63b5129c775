// `joinery <things> [id]`: without an id the list, with one that item in detail; --json for either.
import type { JoineryClient } from '@joinery/sdk';
import { parseCommand, type Command, type CommandSpec } from '../command.js';
import { EXIT_OK } from '../io.js';
import { renderJson } from '../output.js';
import { remoteClient, type jsonOption, type urlOption } from '../remote.js';

export interface ListOrShow<L, I> {
  list(client: JoineryClient): Promise<L>;
  renderList(list: L): string;
  show(client: JoineryClient, id: string): Promise<I>;
  renderItem(item: I): string;
}

export function listOrShowCommand<L, I>(
  spec: CommandSpec<{ json: typeof jsonOption; url: typeof urlOption }>,
  view: ListOrShow<L, I>,
): Command {
  return {
    spec,
    async run(argv, io) {
      const { values, positionals } = parseCommand(spec, argv);
      const client = remoteClient(io, values.url);
      const [id] = positionals;
      if (id === undefined) {
        const list = await view.list(client);
        io.stdout.write(values.json ? renderJson(list) : view.renderList(list));
      } else {
        const item = await view.show(client, id);
        io.stdout.write(values.json ? renderJson(item) : view.renderItem(item));
      }
      return EXIT_OK;
    },
  };
}
