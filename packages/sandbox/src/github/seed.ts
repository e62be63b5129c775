import {
  githubTimestamp,
  type GitHubState,
  type IssueRecord,
  type LabelRecord,
  type RepoRecord,
} from './state.js';

/** Seeded data is dated from here, one hour apart, so order-by-date is deterministic. */
const SEED_EPOCH = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;

/** The first repository gets enough issues for three pages at the default `per_page` of 30… */
export const FIRST_REPO_ISSUES = 75;
/** …of which every fifth is closed. */
const CLOSED_EVERY = 5;
/** The other repositories get a few each. */
const OTHER_REPO_ISSUES = 3;

const REPO_NAMES = [
  'hello-world',
  'spoon-knife',
  'octo-api',
  'linguist',
  'docs-site',
  'infra',
  'design-system',
];
const LANGUAGES = ['TypeScript', 'HTML', 'Go', 'Ruby', null, 'HCL', 'CSS'];

/** GitHub's default labels (https://docs.github.com/issues/using-labels-and-milestones-to-track-work/managing-labels#about-default-labels). */
const DEFAULT_LABELS: Omit<LabelRecord, 'id'>[] = [
  { name: 'bug', color: 'd73a4a', description: "Something isn't working", default: true },
  {
    name: 'documentation',
    color: '0075ca',
    description: 'Improvements or additions to documentation',
    default: true,
  },
  { name: 'enhancement', color: 'a2eeef', description: 'New feature or request', default: true },
];

export interface SeedOptions {
  /** Logins, in order; user ids are 1, 2, … in this order. */
  logins: string[];
  reposPerUser: number;
}

/**
 * Builds the same state every time for the same options: each user owns `reposPerUser`
 * repositories; every third one (index 2, 5, …) is private.
 */
export function seedState(options: SeedOptions): GitHubState {
  const state: GitHubState = { users: [], repos: [], nextIssueId: 1, nextLabelId: 1 };
  let repoId = 1000;
  let tick = 0;
  const nextTime = () => githubTimestamp(SEED_EPOCH + HOUR * tick++);

  options.logins.forEach((login, index) => {
    state.users.push({
      id: index + 1,
      login,
      name: `${login[0]?.toUpperCase() ?? ''}${login.slice(1)} (sandbox)`,
      email: `${login}@example.com`,
      createdAt: nextTime(),
    });
  });

  for (const user of state.users) {
    for (let r = 0; r < options.reposPerUser; r += 1) {
      const created = nextTime();
      repoId += 1;
      const repo: RepoRecord = {
        id: repoId,
        ownerLogin: user.login,
        name: REPO_NAMES[r] ?? `repo-${r + 1}`,
        description: r === 0 ? 'My first repository on GitHub!' : null,
        private: r % 3 === 2,
        language: LANGUAGES[r % LANGUAGES.length] ?? null,
        topics: r === 0 ? ['sandbox', 'hello-world'] : [],
        stargazers: 42 - r,
        createdAt: created,
        updatedAt: created,
        pushedAt: created,
        labels: DEFAULT_LABELS.map((label) => ({ ...label, id: state.nextLabelId++ })),
        issues: [],
        nextIssueNumber: 1,
      };
      const issueCount = r === 0 ? FIRST_REPO_ISSUES : OTHER_REPO_ISSUES;
      for (let i = 0; i < issueCount; i += 1)
        repo.issues.push(seedIssue(state, repo, user.login, nextTime()));
      repo.updatedAt = repo.pushedAt = repo.issues.at(-1)?.updatedAt ?? created;
      state.repos.push(repo);
    }
  }
  return state;
}

function seedIssue(state: GitHubState, repo: RepoRecord, author: string, at: string): IssueRecord {
  const number = repo.nextIssueNumber++;
  const closed = number % CLOSED_EVERY === 0;
  return {
    id: state.nextIssueId++,
    number,
    title: `Sandbox issue ${number}`,
    body:
      number % 2 === 0 ? null : `Seeded issue number ${number} in ${repo.ownerLogin}/${repo.name}.`,
    state: closed ? 'closed' : 'open',
    stateReason: closed ? 'completed' : null,
    authorLogin: author,
    labels: number % 3 === 0 ? ['bug'] : [],
    assignees: number % 4 === 0 ? [author] : [],
    comments: number % 7,
    createdAt: at,
    updatedAt: at,
    closedAt: closed ? at : null,
    closedBy: closed ? author : null,
  };
}
