import { describe, expect, it } from 'vitest';
import { ScaffoldError, parseOpenApi, type OpenApiDocument } from './document.js';
import { actionName, connectorIdFrom, scaffoldConnector } from './scaffold-connector.js';
import { zodSource } from './schema-to-zod.js';

const petstore: OpenApiDocument = parseOpenApi(
  JSON.stringify({
    openapi: '3.1.0',
    info: { title: 'Pet Store', version: '1.2.0', description: 'Pets. For sale.' },
    servers: [
      { url: 'https://{region}.pets.example/v1', variables: { region: { default: 'eu' } } },
    ],
    components: {
      securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'X-Api-Key' } },
      schemas: {
        Pet: {
          type: 'object',
          required: ['id', 'name'],
          properties: {
            id: { type: 'integer' },
            name: { type: 'string' },
            tag: { type: ['string', 'null'] },
            status: { type: 'string', enum: ['available', 'sold'] },
            owner: { $ref: '#/components/schemas/Owner' },
          },
        },
        Owner: {
          allOf: [
            { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
            { type: 'object', properties: { email: { type: 'string', nullable: true } } },
          ],
        },
      },
    },
    paths: {
      '/pets/{petId}': {
        parameters: [{ name: 'petId', in: 'path', required: true, schema: { type: 'integer' } }],
        get: {
          operationId: 'getPet',
          summary: 'Get a pet',
          parameters: [
            { name: 'X-Trace', in: 'header', schema: { type: 'string' } },
            {
              name: 'fields',
              in: 'query',
              description: 'Fields to return.',
              schema: { type: 'array', items: { type: 'string' } },
            },
          ],
          responses: {
            '200': {
              description: 'ok',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } },
            },
          },
        },
        delete: { operationId: 'pets/delete', responses: { '204': { description: 'gone' } } },
      },
      '/pets': {
        post: {
          operationId: 'createPet',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['name'],
                  properties: {
                    name: { type: 'string', description: 'What to call it. More words.' },
                    tag: { type: 'string' },
                  },
                },
              },
            },
          },
          responses: {
            '201': {
              description: 'made',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } },
            },
          },
        },
      },
    },
  }),
);

describe('scaffoldConnector', () => {
  it('makes one HTTP action per chosen operation, named from its operationId', () => {
    const made = scaffoldConnector(petstore, {
      operations: ['getPet', 'createPet', 'pets/delete'],
    });
    expect(made.id).toBe('pet-store');
    expect(made.fileName).toBe('pet-store.ts');
    expect(made.actions).toEqual([
      {
        name: 'get_pet',
        operationId: 'getPet',
        method: 'GET',
        path: '/pets/{petId}',
        readOnly: true,
      },
      {
        name: 'create_pet',
        operationId: 'createPet',
        method: 'POST',
        path: '/pets',
        readOnly: false,
      },
      {
        name: 'pets_delete',
        operationId: 'pets/delete',
        method: 'DELETE',
        path: '/pets/{petId}',
        readOnly: false,
      },
    ]);
    const source = made.source;
    expect(source).toContain("import type { ConnectorKit } from '@joinery/engine';");
    expect(source).toContain(
      'export default ({ defineConnector, defineHttpAction, z }: ConnectorKit) =>',
    );
    // Server variables take their defaults; the API key scheme is the document's.
    expect(source).toContain('baseUrl: "https://eu.pets.example/v1"');
    expect(source).toContain(`auth: [{ type: 'api_key', in: 'header', name: "X-Api-Key" }]`);
    // Path parameters from the path item, query parameters listed, header parameters noted.
    expect(source).toContain('petId: z.number().int(),');
    expect(source).toContain(
      'fields: z.array(z.string()).optional().describe("Fields to return."),',
    );
    expect(source).toContain('query: ["fields"],');
    expect(made.notes.join('\n')).toContain('getPet: header X-Trace');
    // A JSON body's fields become input fields sent as the body.
    expect(source).toContain('name: z.string().describe("What to call it."),');
    expect(source).toContain('tag: z.string().optional(),');
    expect(source).toContain('body: ["name","tag"],');
    // A 204 has no body to describe.
    expect(source).toMatch(/name: "pets_delete",[\s\S]*?output: z\.unknown\(\),/);
  });

  it('writes loose output schemas whose fields are optional, keeping types, enums and nullability', () => {
    const source = scaffoldConnector(petstore, { operations: ['getPet'] }).source;
    expect(source).toContain('output: z.looseObject({');
    expect(source).toContain('id: z.number().int().optional(),');
    expect(source).toContain('tag: z.string().nullable().optional(),');
    expect(source).toContain('status: z.enum(["available","sold"]).optional(),');
    // allOf of objects is merged.
    expect(source).toMatch(
      /owner: z\.looseObject\(\{\s+id: z\.number\(\)\.int\(\)\.optional\(\),\s+email: z\.string\(\)\.nullable\(\)\.optional\(\),\s+\}\)\.optional\(\),/,
    );
    const strict = scaffoldConnector(petstore, {
      operations: ['getPet'],
      strictOutput: true,
    }).source;
    expect(strict).toContain('name: z.string(),');
  });

  it('refuses what it cannot do, naming the argument', () => {
    const missing = (() => {
      try {
        scaffoldConnector(petstore, { operations: ['getPet', 'getPets'] });
      } catch (error) {
        return error;
      }
    })();
    expect(missing).toBeInstanceOf(ScaffoldError);
    expect((missing as ScaffoldError).path).toBe('operations[1]');
    expect((missing as ScaffoldError).message).toMatch(/no operation "getPets".*similar: getPet/);
    expect(() => scaffoldConnector(petstore, { operations: [] })).toThrow(/at least one operation/);
    expect(() => scaffoldConnector(petstore, { operations: ['getPet'], id: 'Pets!' })).toThrow(
      /lower-case/,
    );
    expect(() => parseOpenApi('{"swagger": "2.0", "paths": {}}')).toThrow(/Swagger 2\.0/);
    expect(() =>
      parseOpenApi('openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\n'),
    ).not.toThrow();
    expect(() => zodSource(petstore, { $ref: 'other.yaml#/Pet' }, { mode: 'input' })).toThrow(
      /outside this document/,
    );
  });

  it('names actions and connectors the way the engine requires', () => {
    expect(actionName('issues/list-for-repo')).toBe('issues_list_for_repo');
    expect(actionName('getPetById')).toBe('get_pet_by_id');
    expect(actionName('2fa-enable')).toBe('op_2fa_enable');
    expect(connectorIdFrom("GitHub's official OpenAPI spec + Octokit extension")).toBe(
      'github-s-official-openapi-spec-octokit-e',
    );
    expect(connectorIdFrom('123 API')).toBe('api-123-api');
  });

  it('stops recursive schemas at the depth limit', () => {
    const doc = parseOpenApi(
      JSON.stringify({
        openapi: '3.0.3',
        info: { title: 'Tree', version: '1' },
        paths: {},
        components: {
          schemas: {
            Node: { type: 'object', properties: { child: { $ref: '#/components/schemas/Node' } } },
          },
        },
      }),
    );
    const source = zodSource(doc, { $ref: '#/components/schemas/Node' }, { mode: 'output' });
    expect(source).toBe(
      'z.looseObject({\n  child: z.looseObject({\n    child: z.unknown().optional(),\n  }).optional(),\n})',
    );
  });
});
