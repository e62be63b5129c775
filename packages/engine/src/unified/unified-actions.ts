/**
 * Unified actions (`contacts.create`, `contacts.get`, `contacts.search`): one Contact in and out
 * on any connector that declares `mappings.contacts`. Each is a code action made on demand: it
 * export-maps its input, runs the connector's own action through the same ActionRunner (so the
 * whole pipeline — throttling, retries, breaker, validation, the request log — applies to every
 * provider call), and import-maps what comes back. `Engine.runAction` wraps it like any action,
 * idempotency keys included.
 */
import {
  applyMappingAsync,
  isMappingError,
  sourceFields,
  validateMappingOverrides,
  validateRecord,
  compileMapping,
  effectiveRules,
  type Contact,
  type FieldMapping,
  type FieldRule,
  type MappingOverride,
  type Direction,
  type MappingError,
  type MappingOverrides,
  type ValidationIssue,
} from '@joinery/data';
import { mappingOverrides, type Database } from '@joinery/store';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { ActionRunner } from '../actions.js';
import { findAction } from '../connector/registry.js';
import type { CodeAction, ConnectorDefinition } from '../connector/types.js';
import { JoineryError } from '../errors.js';
import type { ConnectionContext } from '../outbound/pipeline.js';
import type { ContactSearch, UnifiedObjectBinding } from './types.js';

export const UNIFIED_ACTIONS = ['contacts.create', 'contacts.get', 'contacts.search'] as const;
export type UnifiedActionName = (typeof UNIFIED_ACTIONS)[number];

export const isUnifiedAction = (name: string): name is UnifiedActionName =>
  (UNIFIED_ACTIONS as readonly string[]).includes(name);

/** `contacts.search` returns at most this many contacts per call. */
export const MAX_SEARCH_LIMIT = 1_000;
const DEFAULT_SEARCH_LIMIT = 100;

const record = z.record(z.string(), z.unknown());
const inputs = {
  'contacts.create': record.describe('A Contact (docs/data.md) without id, createdAt, updatedAt.'),
  'contacts.get': z.object({ id: z.string().min(1).describe("The provider's id of the contact.") }),
  'contacts.search': z.object({
    email: z.string().min(1).max(320).optional().describe('Exact email.'),
    query: z.string().min(1).max(200).optional().describe('Free text in names and email.'),
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_SEARCH_LIMIT)
      .optional()
      .describe(`Most contacts to return. Defaults to ${DEFAULT_SEARCH_LIMIT}.`),
  }),
};
const outputs = {
  'contacts.create': record,
  'contacts.get': record,
  'contacts.search': z.object({ contacts: z.array(record) }),
};
const descriptions: Record<UnifiedActionName, string> = {
  'contacts.create': 'Create a contact from a unified Contact; answers the created Contact.',
  'contacts.get': 'Read one contact as a unified Contact.',
  'contacts.search': 'Find contacts by exact email or free text, as unified Contacts.',
};

/** Fields the provider sets: a caller giving them would expect them to be written. */
const PROVIDER_SET = ['id', 'createdAt', 'updatedAt'] as const;

/** `/custom/tier` → `input.custom.tier`. */
const pointerToPath = (root: string, pointer: string) =>
  root +
  pointer
    .split('/')
    .slice(1)
    .map((part) => `.${part}`)
    .join('');

function mappingFailure(error: MappingError, connector: ConnectorDefinition, direction: Direction) {
  const hint =
    direction === 'import'
      ? ` ${connector.name} holds a value this connection's mapping cannot read: map it in the connection's mapping overrides (PUT /v1/connections/{id}/mapping-overrides, docs/data.md).`
      : '';
  return new JoineryError('invalid_input', `${error.message}.${hint}`, {
    path: `${direction === 'export' ? 'input' : 'output'}.${error.field}`,
    details: {
      reason: error.reason,
      recordRef: error.recordRef,
      field: error.field,
      mapping: error.mappingId,
      ...(error.source === undefined ? {} : { source: error.source }),
    },
    cause: error,
  });
}

function invalidRecord(issues: ValidationIssue[], root: string, what: string): JoineryError {
  const [first] = issues;
  const path = pointerToPath(root, first?.path ?? '');
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new JoineryError(
    'invalid_input',
    `${what}: ${path} ${first?.message ?? 'is invalid'}${more}`,
    {
      path,
    },
  );
}

export interface MappingView {
  /** The unified object (`contacts`): the prefix of its unified actions. */
  object: string;
  mapping: FieldMapping;
  override: MappingOverride | null;
  /** The rules in force for this connection: the mapping's, with the override applied. */
  rules: FieldRule[];
}

/**
 * The provider fields a binding's mapping reads for one connection (its override applied): what
 * a read asks the provider for, in unified actions and syncs alike.
 */
export function mappedFields(
  binding: Pick<UnifiedObjectBinding<unknown>, 'mapping'>,
  overrides: MappingOverrides,
): string[] {
  return sourceFields(binding.mapping, overrides[binding.mapping.id]);
}

/** The connector's unified objects and their bindings. */
function bindingsOf(
  connector: ConnectorDefinition,
): [object: string, binding: UnifiedObjectBinding<ContactSearch>][] {
  const contacts = connector.mappings?.contacts;
  return contacts === undefined ? [] : [['contacts', contacts]];
}

export interface UnifiedCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export class UnifiedActions {
  readonly #db: Database;
  readonly #runner: ActionRunner;

  constructor(db: Database, runner: ActionRunner) {
    this.#db = db;
    this.#runner = runner;
  }

  /**
   * The unified action `name` for this connection, or `undefined` when `name` is not a unified
   * action (the caller then looks up the connector's own). A unified action on a connector
   * without the mapping is `not_found`, naming the connectors that have it.
   */
  action(
    context: ConnectionContext,
    name: string,
    options: UnifiedCallOptions = {},
  ): CodeAction | undefined {
    if (!isUnifiedAction(name)) return undefined;
    const binding = context.connector.mappings?.contacts;
    if (binding === undefined)
      throw new JoineryError(
        'not_found',
        `connector "${context.connector.id}" has no unified contacts mapping, so "${name}" cannot run on it; HubSpot and Salesforce connections have it (docs/data.md)`,
      );
    return {
      kind: 'code',
      name,
      description: descriptions[name],
      readOnly: name !== 'contacts.create',
      input: inputs[name],
      output: outputs[name],
      run: async (actionContext, input) => {
        const overrides = await this.overrides(context);
        const call = async (actionName: string, actionInput: unknown, idempotent: boolean) => {
          const action = findAction(context.connector, actionName);
          const result = await this.#runner.run(context, action, actionInput, {
            signal: actionContext.signal,
            ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
            ...(idempotent && actionContext.idempotencyKey !== undefined
              ? { idempotencyKey: actionContext.idempotencyKey }
              : {}),
          });
          return result.output;
        };
        const contacts = new ContactsCall(context.connector, binding, overrides, call);
        switch (name) {
          case 'contacts.get':
            return contacts.get((input as { id: string }).id);
          case 'contacts.search': {
            const search = input as { email?: string; query?: string; limit?: number };
            return {
              contacts: await contacts.search({
                ...(search.email === undefined ? {} : { email: search.email }),
                ...(search.query === undefined ? {} : { query: search.query }),
                limit: search.limit ?? DEFAULT_SEARCH_LIMIT,
              }),
            };
          }
          case 'contacts.create':
            return contacts.create(input as Record<string, unknown>);
        }
      },
    };
  }

  /** The connection's mapping overrides, `{}` when it has none. */
  async overrides(
    context: Pick<ConnectionContext, 'id' | 'environmentId'>,
  ): Promise<MappingOverrides> {
    const [row] = await this.#db
      .select({ overrides: mappingOverrides.overrides })
      .from(mappingOverrides)
      .where(
        and(
          eq(mappingOverrides.connectionId, context.id),
          eq(mappingOverrides.environmentId, context.environmentId),
        ),
      );
    return (row?.overrides ?? {}) as MappingOverrides;
  }

  /** The connector's mappings for this connection: built-in, the tenant's override, and the rules in force. */
  async mappings(context: ConnectionContext): Promise<MappingView[]> {
    const overrides = await this.overrides(context);
    return bindingsOf(context.connector).map(([object, binding]) => {
      const override = overrides[binding.mapping.id];
      return {
        object,
        mapping: binding.mapping,
        override: override ?? null,
        rules: effectiveRules(binding.mapping, override),
      };
    });
  }

  /**
   * Replace the connection's mapping overrides. Checked against the JSON Schema and compiled
   * against the connector's mappings first, so a rule that cannot work (an unknown mapping id,
   * zone or transform, a broken JSONata expression) is refused, not stored.
   */
  async setOverrides(context: ConnectionContext, value: unknown): Promise<MappingOverrides> {
    const checked = validateMappingOverrides(value);
    if (!checked.valid) throw invalidRecord(checked.issues, 'overrides', 'mapping overrides');
    const overrides = value as MappingOverrides;
    const mappings = bindingsOf(context.connector).map(([, binding]) => binding.mapping);
    for (const [mappingId, override] of Object.entries(overrides)) {
      const mapping = mappings.find((m) => m.id === mappingId);
      if (mapping === undefined)
        throw new JoineryError(
          'invalid_input',
          `connector "${context.connector.id}" has no mapping "${mappingId}"; its mappings: ${mappings.map((m) => m.id).join(', ') || 'none'}`,
          { path: `overrides.${mappingId}` },
        );
      try {
        compileMapping(mapping, override);
      } catch (error) {
        if (isMappingError(error))
          throw new JoineryError('invalid_input', error.message, {
            path: `overrides.${mappingId}`,
            details: { field: error.field, reason: error.reason },
          });
        throw error;
      }
    }
    const row = {
      connectionId: context.id,
      environmentId: context.environmentId,
      overrides: overrides as Record<string, unknown>,
      updatedAt: new Date(),
    };
    await this.#db
      .insert(mappingOverrides)
      .values(row)
      .onConflictDoUpdate({
        target: mappingOverrides.connectionId,
        set: { overrides: row.overrides, updatedAt: row.updatedAt },
      });
    return overrides;
  }
}

type Call = (action: string, input: unknown, idempotent: boolean) => Promise<unknown>;

/** One unified call's work on contacts, for one connection and its overrides. */
class ContactsCall {
  readonly #fields: string[];

  constructor(
    readonly connector: ConnectorDefinition,
    readonly binding: UnifiedObjectBinding<ContactSearch>,
    readonly overrides: MappingOverrides,
    readonly call: Call,
  ) {
    this.#fields = mappedFields(binding, overrides);
  }

  async #import(providerRecord: unknown): Promise<Contact> {
    const ids = (providerRecord as { id?: unknown; Id?: unknown } | null) ?? {};
    const id = [ids.id, ids.Id].find((value): value is string => typeof value === 'string');
    const recordRef = `${this.connector.name} contact ${id ?? '(no id)'}`;
    let contact: Record<string, unknown>;
    try {
      contact = await applyMappingAsync(this.binding.mapping, providerRecord, {
        direction: 'import',
        recordRef,
        overrides: this.overrides,
      });
    } catch (error) {
      if (isMappingError(error)) throw mappingFailure(error, this.connector, 'import');
      throw error;
    }
    const checked = validateRecord(this.binding.mapping.model, contact);
    if (!checked.valid)
      throw new JoineryError(
        'malformed_response',
        `${recordRef} does not fit ${this.binding.mapping.model.name} v${this.binding.mapping.model.version} after mapping: ${checked.issues[0]?.path ?? ''} ${checked.issues[0]?.message ?? ''}`,
        { details: { issues: checked.issues.slice(0, 10) } },
      );
    return contact as unknown as Contact;
  }

  async get(id: string): Promise<Contact> {
    const output = await this.call(
      this.binding.get.action,
      this.binding.get.input(id, this.#fields),
      false,
    );
    const found = this.binding.get.record(output);
    if (found === undefined || found === null)
      throw new JoineryError('not_found', `${this.connector.name} has no contact ${id}`);
    return this.#import(found);
  }

  async search(search: ContactSearch): Promise<Contact[]> {
    const output = await this.call(
      this.binding.search.action,
      this.binding.search.input(search, this.#fields),
      false,
    );
    const found = this.binding.search.records(output);
    const contacts: Contact[] = [];
    for (const providerRecord of found.slice(0, search.limit))
      contacts.push(await this.#import(providerRecord));
    return contacts;
  }

  async create(input: Record<string, unknown>): Promise<Contact> {
    for (const field of PROVIDER_SET)
      if (input[field] !== undefined)
        throw new JoineryError(
          'invalid_input',
          `input.${field}: ${this.connector.name} sets it; leave it out of contacts.create`,
          { path: `input.${field}` },
        );
    const checked = validateRecord(this.binding.mapping.model, { ...input, id: '(new)' });
    if (!checked.valid) throw invalidRecord(checked.issues, 'input', 'not a valid Contact');
    let exported: Record<string, unknown>;
    try {
      exported = await applyMappingAsync(this.binding.mapping, input, {
        direction: 'export',
        recordRef: 'input',
        overrides: this.overrides,
      });
    } catch (error) {
      if (isMappingError(error)) throw mappingFailure(error, this.connector, 'export');
      throw error;
    }
    const output = await this.call(
      this.binding.create.action,
      this.binding.create.input(exported),
      true,
    );
    // Read back: the create answer holds only what was sent, not what the provider set or derived.
    return this.get(this.binding.create.createdId(output));
  }
}
