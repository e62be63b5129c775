import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineConnector, defineHttpAction } from './define.js';
import { ConnectorRegistry, validateConnector } from './registry.js';

const base = {
  id: 'demo',
  name: 'Demo',
  description: 'A demo API',
  docsUrl: 'https://example.com/docs',
  baseUrl: 'https://api.example.com',
  auth: [{ type: 'bearer' as const }],
};

const getThing = defineHttpAction({
  name: 'get_thing',
  description: 'x',
  input: z.object({ id: z.string() }),
  output: z.object({ id: z.string() }),
  request: { method: 'GET', path: '/things/{id}' },
});

describe('connector validation', () => {
  it('accepts a well-formed connector', () => {
    expect(() =>
      validateConnector(defineConnector({ ...base, actions: [getThing] })),
    ).not.toThrow();
  });

  it('names the connector and the field at fault', () => {
    expect(() => validateConnector({ ...base, baseUrl: 'ftp://x', actions: [] })).toThrow(
      /connector "demo": baseUrl/,
    );
    expect(() => validateConnector({ ...base, id: 'Bad Id', actions: [] })).toThrow(
      /connector "Bad Id": id/,
    );
    expect(() => validateConnector({ ...base, auth: [], actions: [] })).toThrow(
      /auth: declare at least one/,
    );
  });

  it('finds path placeholders the input does not declare', () => {
    const broken = defineHttpAction({
      ...getThing,
      request: { method: 'GET', path: '/things/{thing_id}' },
    });
    expect(() => validateConnector({ ...base, actions: [broken] })).toThrow(
      /get_thing.*"thing_id"/,
    );
  });

  it('finds duplicate actions and bad JSONata', () => {
    expect(() => validateConnector({ ...base, actions: [getThing, getThing] })).toThrow(
      /duplicate action/,
    );
    const badMapping = defineHttpAction({ ...getThing, response: { mapping: '$$$(' } });
    expect(() => validateConnector({ ...base, actions: [badMapping] })).toThrow(/response.mapping/);
  });

  it('refuses the same id twice in a registry and lists known ids on a miss', () => {
    const connector = defineConnector({ ...base, actions: [] });
    expect(() => new ConnectorRegistry([connector, connector])).toThrow(/registered twice/);
    expect(() => new ConnectorRegistry([connector]).get('nope')).toThrow(/Known connectors: demo/);
  });
});
