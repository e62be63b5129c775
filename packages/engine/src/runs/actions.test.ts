import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineAction, defineConnector, defineHttpAction } from '../connector/define.js';
import type { Action, ConnectorDefinition } from '../connector/types.js';
import { isRepeatable } from './actions.js';

const http = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', extra = {}): Action =>
  defineHttpAction({
    name: `call_${method.toLowerCase()}`,
    description: 'A call.',
    input: z.object({}),
    output: z.unknown(),
    request: { method, path: '/things' },
    ...extra,
  });

const code = (extra = {}): Action =>
  defineAction({
    name: 'update_thing',
    description: 'Sets fields of a thing.',
    input: z.object({}),
    output: z.unknown(),
    run: () => Promise.resolve({}),
    ...extra,
  });

const connector = (idempotencyHeader?: string): ConnectorDefinition =>
  defineConnector({
    id: 'acme',
    name: 'Acme',
    description: 'Acme',
    docsUrl: 'https://acme.example/docs',
    baseUrl: 'https://api.acme.example',
    auth: [{ type: 'bearer' }],
    actions: [],
    ...(idempotencyHeader === undefined ? {} : { idempotencyHeader }),
  });

describe('isRepeatable: may a run send the action again after a worker died mid-call?', () => {
  it.each([
    ['a GET', http('GET'), true],
    ['a PUT', http('PUT'), true],
    ['a DELETE', http('DELETE'), true],
    ['a POST', http('POST'), false],
    ['a PATCH', http('PATCH'), false],
    ['a PATCH declared idempotent', http('PATCH', { idempotent: true }), true],
    ['a POST declared read-only (a search)', http('POST', { readOnly: true }), true],
    ['a code action', code(), false],
    ['a code action declared idempotent', code({ idempotent: true }), true],
  ])('%s', (_, action, repeatable) => {
    expect(isRepeatable(connector(), action)).toBe(repeatable);
  });

  it('repeats anything sent to a provider that deduplicates by an idempotency key', () => {
    expect(isRepeatable(connector('idempotency-key'), http('POST'))).toBe(true);
  });
});
