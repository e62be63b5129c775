import type { FieldMapping } from '@joinery/data';

/** What `contacts.search` takes, whatever the CRM. */
export interface ContactSearch {
  /** Exact email match (providers compare emails ignoring case). */
  email?: string;
  /** Free text matched against names and email. */
  query?: string;
  /** Most contacts returned. */
  limit: number;
}

/**
 * How the unified actions on one object reach a connector's own actions: which action, how its
 * input is built, and where the provider's record is in its output. Small pure functions over
 * data, so each connector's quirks (HubSpot's `properties` bag, Salesforce's SOQL) stay in the
 * connector and are trivial to unit-test.
 */
export interface UnifiedObjectBinding<Search> {
  /** The field mapping between the provider's record and the unified model. */
  mapping: FieldMapping;
  get: {
    action: string;
    /** `fields`: the provider fields the mapping reads (with the tenant's overrides). */
    input(id: string, fields: readonly string[]): Record<string, unknown>;
    /** The provider's record in the action's output, or `undefined` when there is none. */
    record(output: unknown): unknown;
  };
  search: {
    action: string;
    input(search: Search, fields: readonly string[]): Record<string, unknown>;
    records(output: unknown): readonly unknown[];
  };
  create: {
    action: string;
    /** `record`: the exported (provider-shaped) record. */
    input(record: Record<string, unknown>): Record<string, unknown>;
    /** The new record's id; the record is then read back with `get`, so it is complete. */
    createdId(output: unknown): string;
  };
  /**
   * A partial update; the record is then read back with `get`. Absent when the connector cannot
   * update the object: `contacts.update` is then `not_found` on it.
   */
  update?: {
    action: string;
    /** `changes`: the exported (provider-shaped) fields to change, and only those. */
    input(id: string, changes: Record<string, unknown>): Record<string, unknown>;
  };
}

/** The unified models a connector speaks, by object. */
export interface ConnectorMappings {
  contacts?: UnifiedObjectBinding<ContactSearch>;
}
