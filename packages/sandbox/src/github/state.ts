/** The sandbox's in-memory GitHub: plain records, turned into wire JSON by `representations.ts`. */

export interface UserRecord {
  id: number;
  login: string;
  name: string;
  email: string;
  createdAt: string;
}

export interface LabelRecord {
  id: number;
  name: string;
  color: string;
  description: string | null;
  default: boolean;
}

export type IssueState = 'open' | 'closed';
export type IssueStateReason = 'completed' | 'not_planned' | 'reopened' | 'duplicate';

export interface IssueRecord {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: IssueState;
  stateReason: IssueStateReason | null;
  authorLogin: string;
  labels: string[];
  assignees: string[];
  comments: number;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  closedBy: string | null;
}

export interface RepoRecord {
  id: number;
  ownerLogin: string;
  name: string;
  description: string | null;
  private: boolean;
  language: string | null;
  topics: string[];
  stargazers: number;
  createdAt: string;
  updatedAt: string;
  pushedAt: string;
  labels: LabelRecord[];
  issues: IssueRecord[];
  nextIssueNumber: number;
}

export interface GitHubState {
  users: UserRecord[];
  repos: RepoRecord[];
  nextIssueId: number;
  nextLabelId: number;
}

/** GitHub's timestamps: ISO 8601 in UTC without milliseconds, e.g. `2011-04-10T20:09:31Z`. */
export function githubTimestamp(time: number | Date): string {
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Owner and repository names are case-insensitive on GitHub. */
export function findRepo(state: GitHubState, owner: string, name: string): RepoRecord | undefined {
  const o = owner.toLowerCase();
  const n = name.toLowerCase();
  return state.repos.find(
    (repo) => repo.ownerLogin.toLowerCase() === o && repo.name.toLowerCase() === n,
  );
}

export function findUser(state: GitHubState, login: string): UserRecord | undefined {
  const l = login.toLowerCase();
  return state.users.find((user) => user.login.toLowerCase() === l);
}

/** Private repositories are visible to their owner only; anyone else gets a 404, as on GitHub. */
export function canSee(repo: RepoRecord, viewer: UserRecord): boolean {
  return !repo.private || repo.ownerLogin.toLowerCase() === viewer.login.toLowerCase();
}
