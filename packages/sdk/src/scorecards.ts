// Connector scorecards: `GET /v1/connectors/{id}/scorecard` and `GET /v1/scorecards`.
import { segment, type Calls } from './request-parts.js';
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

export function scorecardApis(calls: Calls): { scorecards: ScorecardsApi } {
  return {
    scorecards: {
      async get(connectorId, call) {
        const id = segment(connectorId, 'connectorId', 'pass a connector id such as "github"');
        return calls.json<Scorecard>(
          { method: 'GET', path: `/v1/connectors/${id}/scorecard` },
          call,
        );
      },
      async list(call) {
        return calls.list<Scorecard>({ method: 'GET', path: '/v1/scorecards' }, call);
      },
    },
  };
}
