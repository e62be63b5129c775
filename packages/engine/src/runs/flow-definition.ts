import { CronExpressionParser } from 'cron-parser';
import jsonata from 'jsonata';
import { z } from 'zod';
import { JoineryError } from '../errors.js';
import { MAX_ATTEMPTS_LIMIT } from './limits.js';

/**
 * Flows as data. Expressions are JSONata over the run's scope:
 * `{ trigger, steps: { <stepId>: output }, item, index }` (`item`/`index` inside a for-each).
 */
const id = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, 'a letter, then letters, digits, _ or -');

const expression = z.string().min(1);

const retry = z
  .object({
    /** Executions of this step before the run fails (default: the run's, 8). */
    maxAttempts: z.number().int().min(1).max(MAX_ATTEMPTS_LIMIT).optional(),
  })
  .strict();

export interface ActionStep {
  id: string;
  type: 'action';
  /** A connection id, or `=expr` evaluated against the scope. */
  connection: string;
  action: string;
  /** Literal input, or `inputExpression` (JSONata) producing it. */
  input?: Record<string, unknown> | undefined;
  inputExpression?: string | undefined;
  retry?: { maxAttempts?: number | undefined } | undefined;
}
export interface TransformStep {
  id: string;
  type: 'transform';
  expression: string;
}
export interface ConditionStep {
  id: string;
  type: 'condition';
  if: string;
  then: FlowStep[];
  else?: FlowStep[] | undefined;
}
export interface ForEachStep {
  id: string;
  type: 'forEach';
  items: string;
  steps: FlowStep[];
}
export interface WaitStep {
  id: string;
  type: 'wait';
  seconds: number;
}
export interface WebhookStep {
  id: string;
  type: 'webhook';
  /** The event type sent to the app's webhook endpoints (e.g. `flow.order_synced`). */
  event: string;
  /** JSONata producing the event's data; the whole scope's step outputs when absent. */
  data?: string | undefined;
}
export type FlowStep =
  ActionStep | TransformStep | ConditionStep | ForEachStep | WaitStep | WebhookStep;

const step: z.ZodType<FlowStep> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z
      .object({
        id,
        type: z.literal('action'),
        connection: z.string().min(1),
        action: z.string().min(1),
        input: z.record(z.string(), z.unknown()).optional(),
        inputExpression: expression.optional(),
        retry: retry.optional(),
      })
      .strict(),
    z.object({ id, type: z.literal('transform'), expression }).strict(),
    z
      .object({
        id,
        type: z.literal('condition'),
        if: expression,
        then: z.array(step),
        else: z.array(step).optional(),
      })
      .strict(),
    z
      .object({ id, type: z.literal('forEach'), items: expression, steps: z.array(step).min(1) })
      .strict(),
    z
      .object({
        id,
        type: z.literal('wait'),
        seconds: z
          .number()
          .positive()
          .max(30 * 24 * 3600),
      })
      .strict(),
    z
      .object({
        id,
        type: z.literal('webhook'),
        event: z
          .string()
          .max(100)
          .regex(
            /^[a-z0-9_]+(\.[a-z0-9_]+)+$/,
            'lower-case words joined by dots, e.g. flow.order_synced',
          ),
        data: expression.optional(),
      })
      .strict(),
  ]),
);

export const flowTrigger = z.discriminatedUnion('type', [
  z.object({ type: z.literal('api') }).strict(),
  z
    .object({
      type: z.literal('schedule'),
      cron: z.string().min(1),
      timezone: z.string().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('webhook'),
      integration: z.string().min(1),
      /** Only deliveries of this event type (GitHub's `X-GitHub-Event`, Slack's event type…). */
      event: z.string().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('event'),
      /** A connection event type, e.g. `connection.created`. */
      event: z.string().min(1),
    })
    .strict(),
]);
export type FlowTrigger = z.infer<typeof flowTrigger>;

export const flowDefinition = z
  .object({
    name: id,
    description: z.string().max(2000).optional(),
    trigger: flowTrigger,
    steps: z.array(step).min(1).max(200),
  })
  .strict();

export interface FlowDefinition {
  name: string;
  description?: string | undefined;
  trigger: FlowTrigger;
  steps: FlowStep[];
}

/**
 * Checks a flow beyond its shape: step ids unique, every expression compiles, the cron and its
 * time zone are valid. Throws `invalid_input` naming the path.
 */
export function parseFlow(raw: unknown): FlowDefinition {
  const parsed = flowDefinition.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = ['body', ...(issue?.path ?? []).map(String)].join('.');
    throw new JoineryError('invalid_input', `${path}: ${issue?.message ?? 'invalid'}`, { path });
  }
  const flow: FlowDefinition = parsed.data;
  const seen = new Set<string>();
  const walk = (steps: FlowStep[], path: string) => {
    steps.forEach((s, index) => {
      const at = `${path}[${index}]`;
      if (seen.has(s.id))
        throw new JoineryError('invalid_input', `${at}.id: step id "${s.id}" is used twice`, {
          path: `${at}.id`,
        });
      seen.add(s.id);
      const check = (field: string, text: string | undefined) => {
        if (text === undefined) return;
        try {
          jsonata(text);
        } catch (error) {
          throw new JoineryError(
            'invalid_input',
            `${at}.${field}: not a valid JSONata expression (${(error as Error).message})`,
            { path: `${at}.${field}` },
          );
        }
      };
      if (s.type === 'action') {
        check('inputExpression', s.inputExpression);
        if (s.connection.startsWith('=')) check('connection', s.connection.slice(1));
      }
      if (s.type === 'transform') check('expression', s.expression);
      if (s.type === 'condition') {
        check('if', s.if);
        walk(s.then, `${at}.then`);
        if (s.else) walk(s.else, `${at}.else`);
      }
      if (s.type === 'forEach') {
        check('items', s.items);
        walk(s.steps, `${at}.steps`);
      }
      if (s.type === 'webhook') check('data', s.data);
    });
  };
  walk(flow.steps, 'body.steps');
  if (flow.trigger.type === 'schedule') nextCronFire(flow.trigger, new Date());
  return flow;
}

/** The next time a cron trigger fires after `after`; `invalid_input` for a bad cron or zone. */
export function nextCronFire(
  trigger: { cron: string; timezone?: string | undefined },
  after: Date,
): Date {
  try {
    return CronExpressionParser.parse(trigger.cron, {
      currentDate: after,
      tz: trigger.timezone ?? 'UTC',
    })
      .next()
      .toDate();
  } catch (error) {
    throw new JoineryError(
      'invalid_input',
      `body.trigger.cron: "${trigger.cron}"${trigger.timezone ? ` in ${trigger.timezone}` : ''} is not a valid cron schedule (${(error as Error).message}); use five fields, e.g. "*/5 * * * *"`,
      { path: 'body.trigger.cron' },
    );
  }
}
