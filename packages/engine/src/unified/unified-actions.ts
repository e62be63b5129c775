/**
 * Unified actions (`contacts.create`, `contacts.get`, `contacts.search`, `contacts.update`): one
 * Contact in and out on any connector that declares `mappings.contacts`. Each is a code action
 * made on demand: it export-maps its input, runs the connector's own action through the same
 * ActionRunner (so the whole pipeline — throttling, retries, breaker, validation, the request log
 * — applies to every provider call), and import-maps what comes back. `Engine.runAction` wraps
 * it like any action, idempotency keys included.
 */
import {
  applyMappingAsync,
  isMappingError,
  models,
  sourceFields,
  validateMappingOverrides,
  validateRecord,
  compileMapping,
  effectiveRules,
  MappingError,
  type Contact,
  type FieldMapping,
  type FieldRule,
  type MappingOverride,
  type Direction,
  type MappingOverrides,
  type ModelRef,
  type ValidationIssue,
} from '@joinery/data';
import { mappingOverrides, type Database } from '@joinery/store';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { ActionRunner } from '../actions.js';
import { findAction } from '../connector/registry.js';
import type { CodeAction, ConnectorDefinition } from '../connector/types.js';
import { JoineryError, isJoineryError } from '../errors.js';
import type { ConnectionContext } from '../outbound/pipeline.js';
import type { ContactSearch, UnifiedObjectBinding } from './types.js';

export const UNIFIED_ACTIONS = [
  'contacts.create',
  'contacts.get',
  'contacts.search',
  'contacts.update',
] as const;
export type UnifiedActionName = (typeof UNIFIED_ACTIONS)[number];

export const isUnifiedAction = (name: string): name is UnifiedActionName =>
  (UNIFIED_ACTIONS as readonly string[]).includes(name);

/** `contacts.search` returns at most this many contacts per call. */
export const MAX_SEARCH_LIMIT = 1_000;
const DEFAULT_SEARCH_LIMIT = 100;

const record = z.record(z.string(), z.unknown());
const contactId = z.string().min(1).describe("The provider's id of the contact.");
const inputs = {
  'contacts.create': record.describe('A Contact (docs/data.md) without id, createdAt, updatedAt.'),
  'contacts.get': z.object({ id: contactId }),
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
  'contacts.update': z
    .looseObject({ id: contactId })
    .describe('The id and the Contact fields to change; null clears a field.'),
};
const outputs = {
  'contacts.create': record,
  'contacts.get': record,
  'contacts.search': z.object({ contacts: z.array(record) }),
  'contacts.update': record,
};
const descriptions: Record<UnifiedActionName, string> = {
  'contacts.create':
    'Create a contact from a unified Contact; answers the created Contact, read back from the provider.',
  'contacts.get': 'Read one contact as a unified Contact.',
  'contacts.search': 'Find contacts by exact email or free text, as unified Contacts.',
  'contacts.update':
    'Change some fields of a contact: only the fields given are written, and null clears one. Answers the updated Contact, read back from the provider.',
};

/** What running each action does, for those (agents, UIs) deciding whether to run it. */
export interface UnifiedActionEffect {
  readOnly: boolean;
  /** Repeating the call with the same input has no further effect. */
  idempotent: boolean;
  /** The call may overwrite or remove data that exists. */
  destructive: boolean;
}
const effects: Record<UnifiedActionName, UnifiedActionEffect> = {
  'contacts.get': { readOnly: true, idempotent: true, destructive: false },
  'contacts.search': { readOnly: true, idempotent: true, destructive: false },
  // A repeat makes a second contact (or meets the first one's email as a conflict); nothing
  // existing is overwritten.
  'contacts.create': { readOnly: false, idempotent: false, destructive: false },
  // Sets the given fields to the given values: a repeat changes nothing more, but the values it
  // replaces are gone.
  'contacts.update': { readOnly: false, idempotent: true, destructive: true },
};

/** Fields the provider sets: a caller giving them would expect them to be written. */
const PROVIDER_SET = ['id', 'createdAt', 'updatedAt'] as const;

/** A unified action as `GET /v1/connectors/{id}` lists it, next to the connector's own actions. */
export interface UnifiedActionView extends UnifiedActionEffect {
  name: UnifiedActionName;
  description: string;
  /** The unified model the action speaks. */
  model: ModelRef;
  /** JSON Schema (draft 2020-12) of the input and the output. */
  input: Record<string, unknown>;
  output: Record<string, unknown>;
}

const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

const without = (object: Readonly<Record<string, unknown>>, keys: readonly string[]) =>
  Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));

/** The Contact model's schema, to embed: no `$schema` or `$id` of its own. */
const contactSchema = without(models.Contact.schema, ['$schema', '$id']);
const contactProperties = contactSchema['properties'] as Record<string, unknown>;
const writableProperties = without(contactProperties, PROVIDER_SET);

/** The value at a dotted path of a unified record (`custom.tier`). */
function valueAt(source: Record<string, unknown>, field: string): unknown {
  let value: unknown = source;
  for (const part of field.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** `lastName`, `custom.tier`: the fields a unified record gives, with their values. */
function givenFields(input: Record<string, unknown>): [field: string, value: unknown][] {
  const fields: [string, unknown][] = [];
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined || (PROVIDER_SET as readonly string[]).includes(key)) continue;
    if (key === 'custom' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [name, customValue] of Object.entries(value))
        if (customValue !== undefined) fields.push([`custom.${name}`, customValue]);
    } else fields.push([key, value]);
  }
  return fields;
}

/** The top-level unified fields a mapping writes, reads only, and requires on export. */
function fieldsOf(mapping: FieldMapping) {
  const top = (rule: FieldRule) =>
    !rule.field.includes('.') && !(PROVIDER_SET as readonly string[]).includes(rule.field);
  const writes = mapping.rules.filter((r) => top(r) && (r.direction ?? 'both') !== 'import');
  const names = (rules: FieldRule[]) => [...new Set(rules.map((r) => r.field))];
  const written = names(writes);
  return {
    writes: written,
    readsOnly: names(mapping.rules.filter(top)).filter((field) => !written.includes(field)),
    required: names(writes.filter((r) => r.required === true || r.required === 'export')),
  };
}

/** A unified action's description with what this connector's mapping writes. */
function describeFor(
  name: UnifiedActionName,
  connector: ConnectorDefinition,
  mapping: FieldMapping,
) {
  const { writes, readsOnly, required } = fieldsOf(mapping);
  if (effects[name].readOnly)
    return `${descriptions[name]} ${connector.name} maps: ${[...writes, ...readsOnly].join(', ')}.`;
  return [
    descriptions[name],
    `${connector.name} writes: ${writes.join(', ')}.`,
    readsOnly.length > 0 ? `Read-only on ${connector.name}: ${readsOnly.join(', ')}.` : '',
    name === 'contacts.create' && required.length > 0 ? `Required: ${required.join(', ')}.` : '',
    "A tenant's custom fields go under custom, once the connection's mapping overrides map them.",
  ]
    .filter((part) => part !== '')
    .join(' ');
}

/** The JSON Schemas of a unified action, from the Contact model (and the mapping's required fields). */
function schemasOf(name: UnifiedActionName, mapping: FieldMapping) {
  const contact = { $schema: DRAFT_2020_12, ...contactSchema };
  const json = (schema: z.ZodType) =>
    z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  switch (name) {
    case 'contacts.get':
      return { input: json(inputs[name]), output: contact };
    case 'contacts.search':
      return {
        input: json(inputs[name]),
        output: {
          $schema: DRAFT_2020_12,
          type: 'object',
          properties: { contacts: { type: 'array', items: contactSchema } },
          required: ['contacts'],
          additionalProperties: false,
        },
      };
    case 'contacts.create': {
      const { required } = fieldsOf(mapping);
      return {
        input: {
          $schema: DRAFT_2020_12,
          type: 'object',
          description: 'A Contact without id, createdAt, updatedAt (docs/data.md).',
          properties: writableProperties,
          ...(required.length > 0 ? { required } : {}),
          additionalProperties: false,
        },
        output: contact,
      };
    }
    case 'contacts.update':
      return {
        input: {
          $schema: DRAFT_2020_12,
          type: 'object',
          description:
            'The id and the Contact fields to change: only those are written; null clears a field.',
          properties: { id: contactProperties['id'], ...writableProperties },
          required: ['id'],
          additionalProperties: false,
        },
        output: contact,
      };
  }
}

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
    details: mappingErrorDetails(error),
    cause: error,
  });
}

/** A mapping error's facts, as the `details` of the `invalid_input` error that reports it. */
export function mappingErrorDetails(error: MappingError): Record<string, unknown> {
  return {
    reason: error.reason,
    recordRef: error.recordRef,
    field: error.field,
    mapping: error.mappingId,
    ...(error.source === undefined ? {} : { source: error.source }),
  };
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

/** The unified actions a contacts binding supports. */
function contactActions(binding: UnifiedObjectBinding<ContactSearch>): UnifiedActionName[] {
  return UNIFIED_ACTIONS.filter(
    (name) => name !== 'contacts.update' || binding.update !== undefined,
  );
}

const views = new WeakMap<ConnectorDefinition, UnifiedActionView[]>();

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
    if (!contactActions(binding).includes(name))
      throw new JoineryError(
        'not_found',
        `connector "${context.connector.id}" maps contacts but cannot update them, so "${name}" cannot run on it`,
      );
    return {
      kind: 'code',
      name,
      description: descriptions[name],
      readOnly: effects[name].readOnly,
      idempotent: effects[name].idempotent,
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
          case 'contacts.update':
            return contacts.update(input as { id: string } & Record<string, unknown>);
        }
      },
    };
  }

  /**
   * The unified actions the connector offers, as `GET /v1/connectors/{id}` and the MCP tools show
   * them: JSON Schemas from the unified model, the effect of running each, and in the description
   * the fields the connector's mapping writes. Empty for a connector without mappings.
   */
  describe(connector: ConnectorDefinition): UnifiedActionView[] {
    const known = views.get(connector);
    if (known !== undefined) return known;
    const binding = connector.mappings?.contacts;
    const described =
      binding === undefined
        ? []
        : contactActions(binding).map((name) => ({
            name,
            description: describeFor(name, connector, binding.mapping),
            ...effects[name],
            model: binding.mapping.model,
            ...schemasOf(name, binding.mapping),
          }));
    views.set(connector, described);
    return described;
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

  /** Refuses fields the provider sets; `allowed` is the one the action takes (update's `id`). */
  #refuseProviderSet(input: Record<string, unknown>, action: string, allowed?: string) {
    for (const field of PROVIDER_SET)
      if (field !== allowed && input[field] !== undefined)
        throw new JoineryError(
          'invalid_input',
          `input.${field}: ${this.connector.name} sets it; leave it out of ${action}`,
          { path: `input.${field}` },
        );
  }

  /**
   * Refuses a given field no rule in force writes, which an export would otherwise drop without a
   * word: a field the mapping only reads (Salesforce's companyName comes through the Account), and
   * with `nulls` (an update, where null means "clear it") a null the mapping has no rule for.
   * Non-null fields without any rule are the mapping's own `unmapped_field` error.
   */
  #refuseUnwritable(input: Record<string, unknown>, nulls: boolean) {
    const mapping = this.binding.mapping;
    const rules = effectiveRules(mapping, this.overrides[mapping.id]);
    for (const [field, value] of givenFields(input)) {
      if (value === null && !nulls) continue;
      const forField = rules.filter((rule) => rule.field === field);
      if (forField.some((rule) => (rule.direction ?? 'both') !== 'import')) continue;
      if (forField.length === 0 && value !== null) continue;
      const source = forField[0]?.source;
      throw mappingFailure(
        new MappingError({
          reason: 'unmapped_field',
          recordRef: 'input',
          field,
          source,
          mappingId: mapping.id,
          detail:
            forField.length > 0
              ? `${this.connector.name} has it read-only in this mapping (it is read, never written), so it would be lost; leave it out`
              : `${mapping.object} has no field for it in this mapping, so it cannot be cleared; leave it out, or add a rule for it in the connection's mapping overrides`,
        }),
        this.connector,
        'export',
      );
    }
  }

  /** Export-maps a unified record; mapping errors become invalid_input naming the field. */
  async #export(
    mapping: FieldMapping,
    input: Record<string, unknown>,
    overrides: MappingOverrides,
  ): Promise<Record<string, unknown>> {
    try {
      return await applyMappingAsync(mapping, input, {
        direction: 'export',
        recordRef: 'input',
        overrides,
      });
    } catch (error) {
      if (isMappingError(error)) throw mappingFailure(error, this.connector, 'export');
      throw error;
    }
  }

  async create(input: Record<string, unknown>): Promise<Contact> {
    this.#refuseProviderSet(input, 'contacts.create');
    const checked = validateRecord(this.binding.mapping.model, { ...input, id: '(new)' });
    if (!checked.valid) throw invalidRecord(checked.issues, 'input', 'not a valid Contact');
    this.#refuseUnwritable(input, false);
    const exported = await this.#export(this.binding.mapping, input, this.overrides);
    const output = await this.call(
      this.binding.create.action,
      this.binding.create.input(exported),
      true,
    );
    // Read back: the create answer holds only what was sent, not what the provider set or derived.
    return this.get(this.binding.create.createdId(output));
  }

  /**
   * A partial update: only the fields given are exported and sent (null as the mapping's
   * `exportNull` says: "" on HubSpot, null on Salesforce), then the contact is read back, as
   * neither answer holds the whole record (Salesforce answers 204 with no body).
   */
  async update(input: { id: string } & Record<string, unknown>): Promise<Contact> {
    const update = this.binding.update;
    if (update === undefined)
      throw new JoineryError('not_found', `${this.connector.name} cannot update contacts`);
    this.#refuseProviderSet(input, 'contacts.update', 'id');
    const { id, ...changes } = input;
    if (givenFields(changes).length === 0)
      throw new JoineryError(
        'invalid_input',
        'contacts.update needs a field to change besides id, e.g. {"id": "51", "jobTitle": "CTO"}; null clears a field',
        { path: 'input' },
      );
    const checked = validateRecord(this.binding.mapping.model, { ...changes, id });
    if (!checked.valid) throw invalidRecord(checked.issues, 'input', 'not a valid Contact');
    this.#refuseUnwritable(changes, true);
    const mapping = this.binding.mapping;
    const exported = await this.#export(
      partialMapping(mapping, this.overrides[mapping.id], changes),
      changes,
      {},
    );
    // Only a rule with `exportNull: 'omit'` leaves nothing to send: the contact stays as it is.
    if (Object.keys(exported).length > 0) {
      try {
        await this.call(update.action, update.input(id, exported), true);
      } catch (error) {
        if (isJoineryError(error) && error.code === 'not_found')
          throw new JoineryError('not_found', `${this.connector.name} has no contact ${id}`, {
            ...(error.connectionId === undefined ? {} : { connectionId: error.connectionId }),
            ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
            ...(error.details === undefined ? {} : { details: error.details }),
            cause: error,
          });
        throw error;
      }
    }
    return this.get(id);
  }
}

/**
 * The rules in force (the tenant's override applied) with "required on export" lifted from the
 * fields an update does not give: those keep their value at the provider. A given field that is
 * required and null is still refused (`missing_required`), as the provider would refuse it.
 */
function partialMapping(
  mapping: FieldMapping,
  override: MappingOverride | undefined,
  changes: Record<string, unknown>,
): FieldMapping {
  const rules = effectiveRules(mapping, override).map((rule): FieldRule => {
    if (valueAt(changes, rule.field) !== undefined) return rule;
    if (rule.required !== true && rule.required !== 'export') return rule;
    const { required, ...rest } = rule;
    return required === true ? { ...rest, required: 'import' } : rest;
  });
  return { ...mapping, rules };
}
