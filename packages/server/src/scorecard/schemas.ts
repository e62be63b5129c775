import { z } from '@hono/zod-openapi';
import { ANSWER_STATUSES, SCORECARD_QUESTIONS, TRUST_LEVELS } from '@joinery/engine';

export const trustLevel = z.enum(TRUST_LEVELS).openapi('TrustLevel', {
  description:
    '`native`: maintained and tested (a fresh passing contract suite, proven error handling, proven token renewal where it uses OAuth, no failing test); `supported`: some passing evidence, with gaps; `theoretical`: no passing evidence. See docs/scorecards.md.',
});

const evidenceRef = z.object({
  source: z.enum(['declared', 'suite', 'joinery']).openapi({
    description:
      "`declared`: the connector's data; `suite`: a recorded test-suite run; `joinery`: what Joinery does for every connector",
  }),
  detail: z.string(),
});

const answer = z.object({
  id: z.enum(SCORECARD_QUESTIONS.map(([id]) => id) as [string, ...string[]]),
  question: z.string(),
  status: z.enum(ANSWER_STATUSES),
  answer: z.string(),
  evidence: z.array(evidenceRef),
});

export const scorecard = z
  .object({
    connector: z.string(),
    name: z.string(),
    trustLevel,
    levelReasons: z.array(z.string()).openapi({
      description:
        'For `native`, what was proven; otherwise what stands between it and the next level',
    }),
    answers: z
      .array(answer)
      .openapi({ description: 'The seven questions, always in the same order' }),
    evidenceProblems: z.array(z.string()).openapi({
      description: 'Evidence files that could not be used (they count as no evidence)',
    }),
    freshDays: z.number().int(),
    computedAt: z.string(),
  })
  .openapi('Scorecard');
