// Connector scorecards: `GET /v1/connectors/{id}/scorecard` and `GET /v1/scorecards`.
import { readJson } from './answers.js';
import { JoineryError } from './errors.js';
import type { Transport } from './transport.js';
import type { CallOptions } from './types.js';

/**
 * `native`: maintained and tested; `supported`: some passing evidence, with gaps; `theoretical`:
 * no passing evidence (docs/scorecards.md).
 */
export type TrustLevel = 'native' | 'supported' | 'theoretical';

export type ScorecardQuestionId =
  | 'maintainer'
  | 'last_verified'
  | 'auth_renewal'
  | 'errors'
  | 'rate_limits'
  | 'monitoring'
  | 'fallback';

export interface ScorecardAnswer {
  id: ScorecardQuestionId;
  question: string;
  status: 'yes' | 'partial' | 'no' | 'not_applicable';
  answer: string;
  /** Where the answer comes from: the connector's data, a recorded suite run, or Joinery itself. */
  evidence: { source: 'declared' | 'suite' | 'joinery'; detail: string }[];
}

export interface Scorecard {
  connector: string;
  name: string;
  trustLevel: TrustLevel;
  /** For `native`, what was proven; otherwise what stands between it and the next level. */
  levelReasons: string[];
  /** The seven questions, always in the same order. */
  answers: ScorecardAnswer[];
  /** Evidence files that could not be used. */
  evidenceProblems: string[];
  freshDays: number;
  computedAt: string;
}

export interface ScorecardsApi {
  /** One connector's scorecard. */
  get(connectorId: string, options?: CallOptions): Promise<Scorecard>;
  /** Every connector's scorecard. */
  list(options?: CallOptions): Promise<Scorecard[]>;
}

export function scorecardApis(transport: Transport): { scorecards: ScorecardsApi } {
  const signal = (call: CallOptions | undefined) =>
    call?.signal === undefined ? {} : { signal: call.signal };
  return {
    scorecards: {
      async get(connectorId, call) {
        if (typeof connectorId !== 'string' || connectorId === '')
          throw new JoineryError({
            code: 'invalid_input',
            message: 'connectorId is empty: pass a connector id such as "github".',
            retryable: false,
          });
        const sent = await transport.send({
          method: 'GET',
          path: `/v1/connectors/${encodeURIComponent(connectorId)}/scorecard`,
          ...signal(call),
        });
        return (await readJson(sent)) as Scorecard;
      },
      async list(call) {
        const sent = await transport.send({
          method: 'GET',
          path: '/v1/scorecards',
          ...signal(call),
        });
        const body = (await readJson(sent)) as { data?: unknown };
        if (!Array.isArray(body.data))
          throw new JoineryError({
            code: 'internal',
            message: `Joinery at ${sent.context.origin} answered GET /v1/scorecards without the expected "data" list; is the server the same version as this SDK?`,
            retryable: false,
          });
        return body.data as Scorecard[];
      },
    },
  };
}
