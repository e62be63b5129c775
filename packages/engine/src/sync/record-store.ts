import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from '@joinery/store';

/**
 * One record ready to store: its provider id, its payload as JSON text (serialised once, for the
 * hash and for the batch) and that text's hash.
 */
export interface StagedRecord {
  id: string;
  json: string;
  hash: string;
}

/** What one stored batch changed. */
export interface BatchOutcome {
  added: number;
  updated: number;
  /** The change stream positions the batch took, or null when it changed nothing. */
  firstSeq: number | null;
  lastSeq: number | null;
}

export interface RecordOwner {
  syncId: string;
  environmentId: string;
  connectionId: string;
  model: string;
}

type Executor = Pick<Database, 'execute'>;

/** Stages a record: its payload serialised and hashed. */
export function stageRecord(id: string, payload: unknown): StagedRecord {
  // The provider serialises a record's fields in a stable order, so the JSON text identifies its
  // content; a reordering would count as one update, never as a lost change.
  const json = JSON.stringify(payload);
  return { id, json, hash: createHash('sha256').update(json).digest('base64url') };
}

/** A batch as the JSON array `storeBatch` sends: each payload's text is reused, not re-serialised. */
export function batchJson(batch: readonly StagedRecord[]): string {
  // The hash is base64url and the payload already JSON, so only the id needs quoting.
  return `[${batch.map((record) => `{"i":${JSON.stringify(record.id)},"p":${record.json},"h":"${record.hash}"}`).join(',')}]`;
}

function rowsOf(result: unknown): Record<string, unknown>[] {
  return (result as { rows?: Record<string, unknown>[] }).rows ?? [];
}

const count = (value: unknown) => Number(value ?? 0);
const seqOrNull = (value: unknown) =>
  value === null || value === undefined ? null : Number(value);

/**
 * Stores a batch in one statement: new records are inserted, records whose payload hash differs
 * (or that were deleted and came back) are updated and take a new change position, and records
 * that did not change only note that this run saw them (for deletion detection). The batch's
 * records travel as one JSON parameter, which both PGlite and node-postgres pass cheaply.
 *
 * `batchToken` is unique per batch (`run/n`): a row whose `last_changed_run` equals it changed
 * in this statement, which is how the counts are read without a second query.
 */
export async function storeBatch(
  db: Executor,
  owner: RecordOwner,
  runId: string,
  batchToken: string,
  batch: readonly StagedRecord[],
): Promise<BatchOutcome> {
  if (batch.length === 0) return { added: 0, updated: 0, firstSeq: null, lastSeq: null };
  const json = batchJson(batch);
  const result = await db.execute(sql`
    WITH up AS (
      INSERT INTO records AS r (sync_id, external_id, environment_id, connection_id, model,
        payload, payload_hash, last_seen_run, last_changed_run, change_seq, added_seq)
      SELECT ${owner.syncId}, s.i, ${owner.environmentId}, ${owner.connectionId}, ${owner.model},
        s.p, s.h, ${runId}, ${batchToken}, s.seq, s.seq
      FROM (SELECT x.i, x.p, x.h, nextval('record_change_seq') AS seq
            FROM jsonb_to_recordset(${json}::jsonb) AS x(i text, p jsonb, h text)) s
      ON CONFLICT (sync_id, external_id) DO UPDATE SET
        last_seen_run = excluded.last_seen_run,
        payload = CASE WHEN r.payload_hash <> excluded.payload_hash OR r.deleted_at IS NOT NULL
          THEN excluded.payload ELSE r.payload END,
        payload_hash = excluded.payload_hash,
        last_changed_run = CASE WHEN r.payload_hash <> excluded.payload_hash OR r.deleted_at IS NOT NULL
          THEN excluded.last_changed_run ELSE r.last_changed_run END,
        change_seq = CASE WHEN r.payload_hash <> excluded.payload_hash OR r.deleted_at IS NOT NULL
          THEN excluded.change_seq ELSE r.change_seq END,
        added_seq = CASE WHEN r.deleted_at IS NOT NULL THEN excluded.change_seq ELSE r.added_seq END,
        deleted_at = NULL
      RETURNING r.last_changed_run = ${batchToken} AS changed, r.change_seq, r.added_seq
    )
    SELECT count(*) FILTER (WHERE changed AND added_seq = change_seq) AS added,
           count(*) FILTER (WHERE changed AND added_seq <> change_seq) AS updated,
           min(change_seq) FILTER (WHERE changed) AS first_seq,
           max(change_seq) FILTER (WHERE changed) AS last_seq
    FROM up`);
  const row = rowsOf(result)[0] ?? {};
  return {
    added: count(row['added']),
    updated: count(row['updated']),
    firstSeq: seqOrNull(row['first_seq']),
    lastSeq: seqOrNull(row['last_seq']),
  };
}

/** What a deletion changed: how many records, and the change stream positions they took. */
export interface DeletionOutcome {
  deleted: number;
  firstSeq: number | null;
  lastSeq: number | null;
}

/**
 * Marks deleted every live record of the sync that the (completed) full run `runId` did not see.
 * Called only after the run's last page was stored: a run that stopped early has not seen
 * everything, and what it did not see is not gone.
 */
export async function markUnseenDeleted(
  db: Executor,
  syncId: string,
  runId: string,
  batchToken: string,
): Promise<DeletionOutcome> {
  const result = await db.execute(sql`
    WITH d AS (
      UPDATE records SET deleted_at = now(), change_seq = nextval('record_change_seq'),
        last_changed_run = ${batchToken}
      WHERE sync_id = ${syncId} AND deleted_at IS NULL AND last_seen_run <> ${runId}
      RETURNING change_seq
    )
    SELECT count(*) AS deleted, min(change_seq) AS first_seq, max(change_seq) AS last_seq FROM d`);
  return deletionOutcome(result);
}

/**
 * Marks deleted the live records of the sync among `ids` (provider ids an incremental run's
 * deletions query named), each at a new change position. Ids the sync never stored, records
 * already deleted, and records this run stored or saw (`last_seen_run = runId`: read live after
 * the deletion, e.g. restored) are left as they are. A record deleted here and seen again by a
 * later run is live again (`storeBatch`).
 */
export async function markDeleted(
  db: Executor,
  syncId: string,
  runId: string,
  batchToken: string,
  ids: readonly string[],
): Promise<DeletionOutcome> {
  if (ids.length === 0) return { deleted: 0, firstSeq: null, lastSeq: null };
  const result = await db.execute(sql`
    WITH d AS (
      UPDATE records SET deleted_at = now(), change_seq = nextval('record_change_seq'),
        last_changed_run = ${batchToken}
      WHERE sync_id = ${syncId}
        AND external_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))
        AND deleted_at IS NULL AND last_seen_run <> ${runId}
      RETURNING change_seq
    )
    SELECT count(*) AS deleted, min(change_seq) AS first_seq, max(change_seq) AS last_seq FROM d`);
  return deletionOutcome(result);
}

/** What a deleting statement's `SELECT count(*) AS deleted, min/max(change_seq)` answered. */
function deletionOutcome(result: unknown): DeletionOutcome {
  const row = rowsOf(result)[0] ?? {};
  return {
    deleted: count(row['deleted']),
    firstSeq: seqOrNull(row['first_seq']),
    lastSeq: seqOrNull(row['last_seq']),
  };
}

export interface ChangeRow {
  externalId: string;
  payload: unknown;
  deleted: boolean;
  changeSeq: number;
  addedSeq: number;
}

/** Changes of one (connection, model) stream after position `after`, oldest first. */
export async function readChanges(
  db: Executor,
  query: {
    environmentId: string;
    connectionId: string;
    model: string;
    after: number;
    limit: number;
  },
): Promise<ChangeRow[]> {
  const result = await db.execute(sql`
    SELECT external_id, payload, deleted_at IS NOT NULL AS deleted, change_seq, added_seq
    FROM records
    WHERE connection_id = ${query.connectionId} AND model = ${query.model}
      AND change_seq > ${query.after} AND environment_id = ${query.environmentId}
    ORDER BY change_seq
    LIMIT ${query.limit}`);
  return rowsOf(result).map((row) => ({
    externalId: String(row['external_id']),
    payload:
      typeof row['payload'] === 'string' ? (JSON.parse(row['payload']) as unknown) : row['payload'],
    deleted: row['deleted'] === true,
    changeSeq: Number(row['change_seq']),
    addedSeq: Number(row['added_seq']),
  }));
}
