import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import { deadLetters, type Database } from '@joinery/store';
import { JoineryError } from '../errors.js';
import { newId } from '../ids.js';
import { DEAD_LETTER_KINDS, type DeadLetterKind, type Writer } from './types.js';

export interface NewDeadLetter {
  environmentId: string;
  kind: DeadLetterKind;
  /** The id of the delivery or run that exhausted its retries. */
  refId: string;
  /** Why it was given up, in words: "8 attempts failed; the last answered 500". */
  reason: string;
  /** The last failure (code, message, status…). Never a secret. */
  lastError?: Record<string, unknown> | null;
  /** What a replay needs, or what an operator needs to see (the event, the run input). */
  payload?: unknown;
}

export interface DeadLetterView {
  id: string;
  kind: DeadLetterKind;
  refId: string;
  reason: string;
  lastError: Record<string, unknown> | null;
  payload: unknown;
  createdAt: string;
  replayCount: number;
  lastReplayedAt: string | null;
  /** When a replay succeeded (delivered, or the run completed), or null. */
  resolvedAt: string | null;
}

/** What a replay did: `replayed: false` when it changed nothing (already pending or succeeded). */
export interface ReplayOutcome {
  replayed: boolean;
  /** The replayed thing's state now: a delivery's status, a run's state. */
  status: string;
  /** Words for a person: what happened and what comes next. */
  message: string;
}

export interface ReplayResult extends ReplayOutcome {
  deadLetter: DeadLetterView;
}

/**
 * How one kind of dead letter is replayed. It must be safe to call again while an earlier replay
 * is under way or after it succeeded (answer `replayed: false` with the current state).
 */
export type ReplayHandler = (
  letter: DeadLetterView & { environmentId: string },
) => Promise<ReplayOutcome>;

export interface DeadLetterQuery {
  environmentId: string;
  kind?: DeadLetterKind;
  limit: number;
  /** A `seq` from an earlier page. */
  before?: number;
}

type Row = typeof deadLetters.$inferSelect;

/**
 * Runs and deliveries that exhausted their retries: kept, inspectable, replayable. One letter per
 * run or delivery: a replay that fails again updates the same letter, so nothing piles up or
 * disappears.
 */
export class DeadLetters {
  readonly #db: Database;
  readonly #handlers = new Map<DeadLetterKind, ReplayHandler>();

  constructor(db: Database) {
    this.#db = db;
  }

  /** Registers how a kind is replayed (the runs code registers `run`; deliveries are built in). */
  onReplay(kind: DeadLetterKind, handler: ReplayHandler): void {
    this.#handlers.set(kind, handler);
  }

  /** Records a dead letter, or refreshes the one already held for the same run or delivery. */
  async add(letter: NewDeadLetter, options: { db?: Writer } = {}): Promise<DeadLetterView> {
    const writer = options.db ?? this.#db;
    const values = {
      reason: letter.reason,
      lastError: letter.lastError ?? null,
      payload: letter.payload ?? null,
    };
    const rows = await writer
      .insert(deadLetters)
      .values({
        id: newId('dlq'),
        environmentId: letter.environmentId,
        kind: letter.kind,
        refId: letter.refId,
        ...values,
      })
      .onConflictDoUpdate({
        target: [deadLetters.kind, deadLetters.refId],
        set: { ...values, resolvedAt: null },
      })
      .returning();
    return view(requireRow(rows[0], letter.refId));
  }

  /** Newest first. */
  async list(
    query: DeadLetterQuery,
  ): Promise<{ data: DeadLetterView[]; nextCursor: number | null }> {
    const where: SQL[] = [eq(deadLetters.environmentId, query.environmentId)];
    if (query.kind !== undefined) where.push(eq(deadLetters.kind, query.kind));
    if (query.before !== undefined) where.push(lt(deadLetters.seq, query.before));
    const rows = await this.#db
      .select()
      .from(deadLetters)
      .where(and(...where))
      .orderBy(desc(deadLetters.seq))
      .limit(query.limit + 1);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      data: page.map(view),
      nextCursor: rows.length > query.limit && last ? last.seq : null,
    };
  }

  async get(environmentId: string, id: string): Promise<DeadLetterView> {
    return view(await this.#row(environmentId, id));
  }

  /** The letter held for a run or delivery, or null. */
  async findByRef(
    environmentId: string,
    kind: DeadLetterKind,
    refId: string,
  ): Promise<DeadLetterView | null> {
    const rows = await this.#db
      .select()
      .from(deadLetters)
      .where(
        and(
          eq(deadLetters.environmentId, environmentId),
          eq(deadLetters.kind, kind),
          eq(deadLetters.refId, refId),
        ),
      );
    return rows[0] ? view(rows[0]) : null;
  }

  /** Marks the letter of a run or delivery resolved: its replay succeeded. */
  async resolve(kind: DeadLetterKind, refId: string, options: { db?: Writer } = {}): Promise<void> {
    const writer = options.db ?? this.#db;
    await writer
      .update(deadLetters)
      .set({ resolvedAt: new Date() })
      .where(
        and(
          eq(deadLetters.kind, kind),
          eq(deadLetters.refId, refId),
          sql`${deadLetters.resolvedAt} IS NULL`,
        ),
      );
  }

  /**
   * Replays a dead letter through its kind's handler. Safe to repeat: a replay while the first is
   * pending, or after it succeeded, changes nothing and answers the current state.
   */
  async replay(environmentId: string, id: string): Promise<ReplayResult> {
    const row = await this.#row(environmentId, id);
    const kind = row.kind as DeadLetterKind;
    const handler = this.#handlers.get(kind);
    if (!handler) {
      throw new JoineryError(
        'conflict',
        `dead letter ${id} is a ${kind}, and this Joinery has nothing registered to replay ${kind}s. ` +
          `Inspect it with GET /v1/dead-letters/${id}; it is kept until it can be replayed.`,
      );
    }
    const outcome = await handler({ ...view(row), environmentId });
    if (outcome.replayed) {
      await this.#db
        .update(deadLetters)
        .set({ replayCount: sql`${deadLetters.replayCount} + 1`, lastReplayedAt: new Date() })
        .where(eq(deadLetters.id, row.id));
    }
    return { ...outcome, deadLetter: view(await this.#row(environmentId, id)) };
  }

  async #row(environmentId: string, id: string): Promise<Row> {
    const rows = await this.#db
      .select()
      .from(deadLetters)
      .where(and(eq(deadLetters.environmentId, environmentId), eq(deadLetters.id, id)));
    return requireRow(rows[0], id);
  }
}

export function isDeadLetterKind(value: string): value is DeadLetterKind {
  return (DEAD_LETTER_KINDS as readonly string[]).includes(value);
}

function requireRow(row: Row | undefined, id: string): Row {
  if (!row) {
    throw new JoineryError(
      'not_found',
      `no dead letter "${id}" in this environment. List them with GET /v1/dead-letters.`,
    );
  }
  return row;
}

function view(row: Row): DeadLetterView {
  return {
    id: row.id,
    kind: row.kind as DeadLetterKind,
    refId: row.refId,
    reason: row.reason,
    lastError: row.lastError ?? null,
    payload: row.payload ?? null,
    createdAt: row.createdAt.toISOString(),
    replayCount: row.replayCount,
    lastReplayedAt: row.lastReplayedAt?.toISOString() ?? null,
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
  };
}
