/** The sandbox's in-memory Slack workspace: plain records, turned into wire JSON by `representations.ts`. */

export interface SlackTeam {
  id: string;
  name: string;
  /** `joinery-sandbox` → `https://joinery-sandbox.slack.com/`. */
  domain: string;
}

export interface SlackUser {
  id: string;
  name: string;
  realName: string;
  /** `null` for bots and Slackbot, which have no address. */
  email: string | null;
  deleted: boolean;
  isBot: boolean;
  isAdmin: boolean;
  isOwner: boolean;
  /** `B…` for bot users. */
  botId: string | null;
  tz: string;
  tzLabel: string;
  tzOffset: number;
  /** Epoch seconds. */
  updated: number;
  color: string;
}

export interface SlackMessage {
  ts: string;
  userId: string;
  /** Set for messages an app posted. */
  botId: string | null;
  text: string;
  blocks: unknown[] | null;
  attachments: unknown[] | null;
  threadTs: string | null;
  edited: { user: string; ts: string } | null;
}

export interface SlackChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  isArchived: boolean;
  isGeneral: boolean;
  /** Epoch seconds. */
  created: number;
  creatorId: string;
  topic: string;
  purpose: string;
  memberIds: string[];
  messages: SlackMessage[];
}

export interface SlackState {
  team: SlackTeam;
  /** The sandbox's own app, whose bot the demo and OAuth tokens act as. */
  appId: string;
  botUserId: string;
  botId: string;
  /** The member who installs the app in the OAuth flow (`authed_user`). */
  installerId: string;
  /** Sorted by id, as cursors point at ids. */
  users: SlackUser[];
  /** Sorted by id. */
  channels: SlackChannel[];
  /** Microseconds of the last message `ts`, so every new one is later than the last. */
  lastTsMicros: number;
}

/** Slack's message timestamps: epoch seconds with six decimals, unique per channel. */
export function nextTs(state: SlackState, now: number): string {
  state.lastTsMicros = Math.max(state.lastTsMicros + 1, now * 1000);
  const seconds = Math.floor(state.lastTsMicros / 1_000_000);
  return `${seconds}.${String(state.lastTsMicros % 1_000_000).padStart(6, '0')}`;
}

/**
 * `C…` ids, `#name` or `name`, as `chat.postMessage` accepts them. Private channels are found
 * only by members: to anyone else they do not exist.
 */
export function findChannel(
  state: SlackState,
  idOrName: string,
  viewerId: string,
): SlackChannel | undefined {
  const name = idOrName.replace(/^#/, '').toLowerCase();
  const channel = state.channels.find(
    (candidate) => candidate.id === idOrName || candidate.name === name,
  );
  if (channel?.isPrivate === true && !channel.memberIds.includes(viewerId)) return undefined;
  return channel;
}
