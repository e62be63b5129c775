import { and, desc, eq, sql } from 'drizzle-orm';
import { schemaDrift, type Database } from '@joinery/store';
import type { Logger } from 'pino';
import type { z } from 'zod';

export type DriftKind = 'unknown' | 'missing' | 'retyped';

export interface DriftFinding {
  path: string;
  kind: DriftKind;
  /** A short, non-secret description of what was seen (a type name, never a value). */
  example: string;
}

interface ZodInternals {
  _zod: {
    def: {
      type: string;
      shape?: Record<string, z.ZodType>;
      catchall?: unknown;
      element?: z.ZodType;
      innerType?: z.ZodType;
    };
  };
}

function def(schema: z.ZodType): ZodInternals['_zod']['def'] {
  return (schema as unknown as ZodInternals)._zod.def;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Items of an array that are inspected: enough to notice drift, bounded for large pages. */
const SAMPLE = 3;
const MAX_FINDINGS = 50;

/**
 * Fields a provider sent that a plain `z.object` does not declare. Loose objects (`z.looseObject`)
 * declare that more fields are expected, so they report none; missing and re-typed fields come
 * from validation issues instead (see `findingsFromIssues`).
 */
export function unknownFields(
  schema: z.ZodType,
  value: unknown,
  path = 'output',
  out: DriftFinding[] = [],
): DriftFinding[] {
  if (out.length >= MAX_FINDINGS) return out;
  const d = def(schema);
  switch (d.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
      if (d.innerType && value !== undefined && value !== null)
        unknownFields(d.innerType, value, path, out);
      return out;
    case 'array':
      if (d.element && Array.isArray(value)) {
        for (const item of value.slice(0, SAMPLE)) unknownFields(d.element, item, `${path}[]`, out);
      }
      return out;
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !d.shape)
        return out;
      const loose = d.catchall !== undefined;
      for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
        const field = d.shape[key];
        if (field) unknownFields(field, child, `${path}.${key}`, out);
        else if (!loose && !out.some((f) => f.path === `${path}.${key}`)) {
          out.push({ path: `${path}.${key}`, kind: 'unknown', example: typeName(child) });
        }
      }
      return out;
    }
    default:
      return out;
  }
}

/** Missing and re-typed fields, from the issues of a failed output validation. */
export function findingsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  value: unknown,
): DriftFinding[] {
  const findings: DriftFinding[] = [];
  for (const issue of issues.slice(0, MAX_FINDINGS)) {
    if (issue.code !== 'invalid_type') continue;
    let seen: unknown = value;
    for (const key of issue.path)
      seen =
        typeof seen === 'object' && seen !== null
          ? (seen as Record<PropertyKey, unknown>)[key]
          : undefined;
    const path = `output${issue.path.map((key) => (typeof key === 'number' ? '[]' : `.${String(key)}`)).join('')}`;
    findings.push(
      seen === undefined
        ? { path, kind: 'missing', example: `expected ${issue.expected}` }
        : { path, kind: 'retyped', example: `expected ${issue.expected}, got ${typeName(seen)}` },
    );
  }
  return findings;
}

export interface DriftView {
  action: string;
  path: string;
  kind: DriftKind;
  example: string | null;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

/**
 * Schema drift per integration and action: first seen, last seen, count and an example. Findings
 * are aggregated in memory and written every few seconds, so a drifting provider costs one upsert
 * per field per interval, not one per response.
 */
export class SchemaDriftRecorder {
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #pending = new Map<
    string,
    {
      environmentId: string;
      integrationKey: string;
      action: string;
      finding: DriftFinding;
      count: number;
      first: Date;
      last: Date;
    }
  >();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    db: Database,
    logger: Logger,
    readonly flushIntervalMs = 2_000,
  ) {
    this.#db = db;
    this.#logger = logger;
  }

  record(
    environmentId: string,
    integrationKey: string,
    action: string,
    findings: readonly DriftFinding[],
  ): void {
    const now = new Date();
    for (const finding of findings) {
      const key = [environmentId, integrationKey, action, finding.path, finding.kind].join(
        '\u0000',
      );
      const entry = this.#pending.get(key);
      if (entry) {
        entry.count++;
        entry.last = now;
      } else if (this.#pending.size < 10_000) {
        this.#pending.set(key, {
          environmentId,
          integrationKey,
          action,
          finding,
          count: 1,
          first: now,
          last: now,
        });
      }
    }
    if (findings.length > 0)
      this.#timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs);
  }

  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const entries = [...this.#pending.values()];
    this.#pending.clear();
    for (const entry of entries) {
      try {
        await this.#db
          .insert(schemaDrift)
          .values({
            environmentId: entry.environmentId,
            integrationKey: entry.integrationKey,
            action: entry.action,
            path: entry.finding.path,
            kind: entry.finding.kind,
            example: entry.finding.example,
            count: entry.count,
            firstSeen: entry.first,
            lastSeen: entry.last,
          })
          .onConflictDoUpdate({
            target: [
              schemaDrift.environmentId,
              schemaDrift.integrationKey,
              schemaDrift.action,
              schemaDrift.path,
              schemaDrift.kind,
            ],
            set: {
              count: sql`${schemaDrift.count} + ${entry.count}`,
              lastSeen: entry.last,
              example: entry.finding.example,
            },
          });
      } catch (error) {
        this.#logger.error({ err: error, path: entry.finding.path }, 'schema drift: write failed');
      }
    }
  }

  async list(environmentId: string, integrationKey: string): Promise<DriftView[]> {
    await this.flush();
    const rows = await this.#db
      .select()
      .from(schemaDrift)
      .where(
        and(
          eq(schemaDrift.environmentId, environmentId),
          eq(schemaDrift.integrationKey, integrationKey),
        ),
      )
      .orderBy(desc(schemaDrift.lastSeen))
      .limit(500);
    return rows.map((row) => ({
      action: row.action,
      path: row.path,
      kind: row.kind as DriftKind,
      example: row.example,
      count: row.count,
      firstSeen: row.firstSeen.toISOString(),
      lastSeen: row.lastSeen.toISOString(),
    }));
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
