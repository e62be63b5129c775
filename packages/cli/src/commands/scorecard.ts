import type { Scorecard, ScorecardAnswer } from '@joinery/sdk';
import type { Command, CommandSpec } from '../command.js';
import { renderTable, terminalSafe } from '../output.js';
import { jsonOption, remoteEnvironment, urlOption } from '../remote.js';
import { listOrShowCommand } from './list-or-show.js';

const spec = {
  name: 'scorecard',
  summary: "Show how far each connector can be trusted, and why, from its suites' evidence.",
  usage: 'joinery scorecard [connector] [--json] [--url URL]',
  description:
    'Every connector is native (maintained and tested), supported (works, with the gaps named) or theoretical (no passing evidence). Its scorecard answers seven questions from its data and from the results its contract, fault and auth suites recorded. Rules: docs/scorecards.md.',
  arguments: [
    ['connector', 'a connector id (e.g. slack): show its seven answers and their evidence'],
  ],
  options: { json: jsonOption, url: urlOption },
  environment: remoteEnvironment,
  examples: ['joinery scorecard', 'joinery scorecard slack', 'joinery scorecard --json'],
} as const satisfies CommandSpec;

export const scorecardCommand: Command = listOrShowCommand(spec, {
  list: (client) => client.scorecards.list(),
  renderList: summary,
  show: (client, id) => client.scorecards.get(id),
  renderItem: details,
});

const STATUS: Record<ScorecardAnswer['status'], string> = {
  yes: 'yes',
  partial: 'partial',
  no: 'no',
  not_applicable: 'n/a',
};
const COLUMNS: [ScorecardAnswer['id'], string][] = [
  ['maintainer', 'MAINTAINED'],
  ['last_verified', 'VERIFIED'],
  ['auth_renewal', 'AUTH'],
  ['errors', 'ERRORS'],
  ['rate_limits', 'LIMITS'],
  ['monitoring', 'MONITORED'],
  ['fallback', 'FALLBACK'],
];

/** One row per connector with the status of each question, then why each level. */
function summary(cards: Scorecard[]): string {
  if (cards.length === 0) return 'No connectors.\n';
  const table = renderTable(
    ['CONNECTOR', 'LEVEL', ...COLUMNS.map(([, title]) => title)],
    cards.map((card) => [
      card.connector,
      card.trustLevel,
      ...COLUMNS.map(([question]) => {
        const answer = card.answers.find((a) => a.id === question);
        return answer ? STATUS[answer.status] : '-';
      }),
    ]),
  );
  const why = cards.map(
    (card) =>
      `${card.connector} is ${card.trustLevel}${card.trustLevel === 'native' ? '' : ' because'}:\n${card.levelReasons.map((reason) => wrap(`- ${reason}`, 4, '  ')).join('\n')}\n`,
  );
  return `${table}\n${why.join('')}\nThe seven answers and their evidence: joinery scorecard <connector>\n`;
}

/** The level with its reasons, then each question with its answer and evidence. */
function details(card: Scorecard): string {
  const lines = [
    `${card.connector} - ${card.name}: ${card.trustLevel}`,
    ...card.levelReasons.map((reason) => wrap(`- ${reason}`, 4, '  ')),
    '',
  ];
  for (const answer of card.answers) {
    lines.push(`${answer.question} [${STATUS[answer.status]}]`);
    lines.push(wrap(answer.answer, 2, '  '));
    for (const ref of answer.evidence) lines.push(wrap(`${ref.source}: ${ref.detail}`, 6, '    '));
    lines.push('');
  }
  for (const problem of card.evidenceProblems) lines.push(wrap(`unusable evidence: ${problem}`, 2));
  lines.push(
    `Computed ${card.computedAt}; evidence older than ${card.freshDays} days does not count towards native.`,
  );
  return `${lines.join('\n')}\n`;
}

const WIDTH = 100;

/** Wraps at word boundaries; continuation lines are indented by `hang`. */
function wrap(text: string, hang: number, first = ''): string {
  const words = terminalSafe(text).split(' ');
  const lines: string[] = [];
  let line = first;
  for (const word of words) {
    const prefix = lines.length === 0 ? first : ' '.repeat(hang);
    if (line.length > prefix.length && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = ' '.repeat(hang) + word;
    } else line = line.length > prefix.length ? `${line} ${word}` : `${prefix}${word}`;
  }
  lines.push(line);
  return lines.join('\n');
}
