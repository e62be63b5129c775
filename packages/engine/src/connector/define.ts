import type { z } from 'zod';
import type { ActionContext, CodeAction, ConnectorDefinition, HttpAction } from './types.js';

/** Identity factories: they exist so TypeScript infers `input`/`output` types from the schemas. */
export function defineConnector<const C extends ConnectorDefinition>(connector: C): C {
  return connector;
}

export function defineHttpAction<I extends z.ZodType, O extends z.ZodType>(
  action: Omit<HttpAction<I, O>, 'kind'>,
): HttpAction<I, O> {
  return { kind: 'http', ...action };
}

export function defineAction<I extends z.ZodType, O extends z.ZodType>(action: {
  name: string;
  description: string;
  input: I;
  output: O;
  readOnly?: boolean;
  idempotent?: boolean;
  run(context: ActionContext, input: z.output<I>): Promise<z.input<O>>;
}): CodeAction<I, O> {
  return { kind: 'code', ...action };
}
