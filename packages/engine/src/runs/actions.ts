import { and, eq, inArray, like } from 'drizzle-orm';
import { idempotencyKeys, runSteps, runs, type Database } from '@joinery/store';
import type { Action, ConnectorDefinition } from '../connector/types.js';
import type { ReplayOutcome } from '../outgoing/dead-letters.js';
import { IDEMPOTENT_METHODS } from '../outbound/policies/retry.js';
import type { JobQueue } from './job-queue.js';

/**
 * Whether executing the action twice has the effect of executing it once: reads, actions declared
 * idempotent, idempotent HTTP methods, and any request to a provider that deduplicates by an
 * idempotency key Joinery sends.
 */
export function isRepeatable(connector: ConnectorDefinition, action: Action): boolean {
  if (action.readOnly === true || action.idempotent === true) return true;
  if (connector.idempotencyHeader !== undefined) return true;
  return action.kind === 'http' && IDEMPOTENT_METHODS.has(action.request.method.toUpperCase());
}

/**
 * Replays a dead (or failed) run: a person decided to run it again. Steps that succeeded keep
 * their outputs; the step that was in flight is executed again, and Joinery's in-progress claim
 * on it is released. Safe to repeat: a run that is queued, running or succeeded is left alone.
 */
export async function repeatRuns(
  db: Database,
  queue: JobQueue,
  environmentId: string,
  runId: string,
): Promise<ReplayOutcome> {
  await queue.start();
  return db.transaction(async (t) => {
    const tx = t as unknown as Database;
    const [row] = await tx
      .update(runs)
      .set({
        status: 'queued',
        attempts: 0,
        error: null,
        finishedAt: null,
        workerId: null,
        leaseUntil: null,
        trigger: { type: 'replay' },
        updatedAt: new Date(),
      })
      .where(
        and(
          eq(runs.id, runId),
          eq(runs.environmentId, environmentId),
          inArray(runs.status, ['dead', 'failed']),
        ),
      )
      .returning();
    if (!row) {
      const [current] = await tx
        .select({ status: runs.status })
        .from(runs)
        .where(and(eq(runs.id, runId), eq(runs.environmentId, environmentId)));
      if (!current)
        return { replayed: false, status: 'missing', message: `run ${runId} no longer exists` };
      return {
        replayed: false,
        status: current.status,
        message: `run ${runId} is ${current.status}; nothing to replay`,
      };
    }
    await tx
      .update(runSteps)
      .set({ status: 'failed' })
      .where(and(eq(runSteps.runId, runId), eq(runSteps.status, 'running')));
    await tx
      .delete(idempotencyKeys)
      .where(
        and(
          eq(idempotencyKeys.environmentId, environmentId),
          like(idempotencyKeys.key, `run:${runId}:%`),
          eq(idempotencyKeys.state, 'in_progress'),
        ),
      );
    await queue.enqueue(runId, { tx });
    return {
      replayed: true,
      status: 'queued',
      message: `run ${runId} is queued again; completed steps keep their outputs`,
    };
  });
}
