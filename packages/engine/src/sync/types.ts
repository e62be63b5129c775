import type { HttpMethod, Pagination } from '../connector/types.js';
import type { ConnectorMappings } from '../unified/types.js';

/**
 * A request template of a sync. Strings anywhere in `path`, `query` and `json` may hold
 * `{{cursor}}`, replaced by the checkpoint written in the definition's `cursorFormat`, and
 * `{{fields}}`, replaced by the provider fields the connection's mapping reads (`fieldNames`).
 */
export interface SyncRequestTemplate {
  method: Extract<HttpMethod, 'GET' | 'POST'>;
  /** Below the connection's base URL. */
  path: string;
  query?: Readonly<Record<string, string | number | boolean>>;
  json?: unknown;
  /** Defaults to the sync's (or else the connector's) pagination. */
  pagination?: Pagination;
}

/** How the checkpoint is written into an incremental request. */
export type CursorFormat =
  /** ISO 8601 with milliseconds, UTC (`2025-01-01T10:00:00.000Z`). */
  | 'iso'
  /** ISO 8601 without milliseconds (`2025-01-01T10:00:00Z`): Salesforce's SOQL dateTime literal. */
  | 'iso_seconds'
  /** Milliseconds since the epoch, as text: HubSpot search filters on dates. */
  | 'epoch_ms';

export interface IncrementalTemplate extends SyncRequestTemplate {
  cursorFormat: CursorFormat;
  /**
   * The provider stops paging one query after this many results (HubSpot's search: 10,000). The
   * run then starts a new query from the newest cursor value it saw. The query must ask for
   * records whose cursor is greater than or equal to `{{cursor}}`, sorted by it ascending.
   */
  maxResultsPerQuery?: number;
}

/**
 * How an incremental run learns which records were deleted since the sync's last succeeded run:
 * a query listing deleted records (HubSpot's `archived=true` list, Salesforce's getDeleted). Its
 * strings may hold `{{cursor}}` (the window's start) and `{{now}}` (its end, as the run reads it),
 * both written in `cursorFormat`.
 */
export interface DeletionsTemplate extends SyncRequestTemplate {
  cursorFormat: CursorFormat;
  /** Where a page's deleted records are (`results`, `deletedRecords`). */
  recordsPath: string;
  /** Where a deleted record's id is (`id`): the id the sync's records have. */
  idPath: string;
  /**
   * Where a deleted record's deletion time is (`archivedAt`, `deletedDate`). Records deleted
   * before the window's start are skipped, for a provider that cannot filter by date; a record
   * without a readable time counts as deleted.
   */
  cursorPath: string;
  /**
   * How far back the provider answers (Salesforce: 30 days). A window starting earlier fails the
   * run, asking for a full run, before any request.
   */
  maxAgeSeconds?: number;
  /**
   * Where the first page says from when the provider still knows deletions (Salesforce's
   * `earliestDateAvailable`). A window starting earlier fails the run, asking for a full run:
   * deletions before that time may be gone.
   */
  earliestPath?: string;
}

/**
 * A sync as data: how to list every record of a model (`full`), how to list only those changed
 * since a checkpoint (`incremental`), and where records, their ids and their cursor field are.
 */
export interface SyncDefinition {
  /** Unique within the connector, e.g. `contacts`. */
  name: string;
  /** The unified model the records are (`Contact`), see `@joinery/data`. */
  model: string;
  description: string;
  /**
   * The connector's mapping (`mappings.contacts`) that turns a provider record into `model`:
   * records are then stored as the unified model. Without it they are stored as the provider
   * sent them.
   */
  mapping?: keyof ConnectorMappings;
  /**
   * The provider's names for the fields a run requests, from the source paths the mapping reads
   * with the connection's overrides (as the unified actions ask for them), plus `idPath` and
   * `cursorPath`: HubSpot's property names, Salesforce's SELECT list. They are written where a
   * template says `{{fields}}`: a `json` string that is exactly `{{fields}}` becomes the list,
   * and `{{fields}}` in any other string the names joined by commas. Needs `mapping`; without
   * it, a template names its fields itself. May throw `invalid_input` for a name the provider
   * cannot be asked for.
   */
  fieldNames?: (sourceFields: readonly string[]) => string[];
  full: SyncRequestTemplate;
  /** Without it every run is a full run. */
  incremental?: IncrementalTemplate;
  /**
   * Read by incremental runs after the changed records: the records deleted since the sync's
   * last succeeded run are marked deleted. Without it only completed full runs see deletions.
   */
  deletions?: DeletionsTemplate;
  /** Defaults to the connector's pagination. */
  pagination?: Pagination;
  /** Where a page's records are (`results`, `records`). */
  recordsPath: string;
  /** Where a record's id is (`id`, `Id`). */
  idPath: string;
  /** Where a record's last-modified time is (`properties.lastmodifieddate`, `LastModifiedDate`). */
  cursorPath: string;
  /** Where a page says how many records the query holds (`total`, `totalSize`), if it does. */
  totalPath?: string;
  /** How often a sync of this kind runs when its creator names no frequency. Defaults to 1 hour. */
  defaultFrequencySeconds?: number;
}
