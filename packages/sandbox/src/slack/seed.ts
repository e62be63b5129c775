import type { SlackChannel, SlackMessage, SlackState, SlackUser } from './state.js';

/** Seeded data is dated from here, so `created` and `ts` are deterministic. */
const SEED_EPOCH_SECONDS = Date.UTC(2024, 0, 1) / 1000;

const PEOPLE: [name: string, realName: string][] = [
  ['ada', 'Ada Lovelace'],
  ['grace', 'Grace Hopper'],
  ['linus', 'Linus Torvalds'],
  ['margaret', 'Margaret Hamilton'],
  ['alan', 'Alan Turing'],
  ['barbara', 'Barbara Liskov'],
  ['katherine', 'Katherine Johnson'],
  ['ken', 'Ken Thompson'],
];

/** The deactivated member {@link SLACK_INACTIVE_TOKEN} belongs to. */
export const DEACTIVATED_USER_ID = 'U4000000009';
export const TEAM_ID = 'T1000000001';
export const APP_ID = 'A3000000001';
export const BOT_USER_ID = 'U2000000001';
export const BOT_ID = 'B2000000001';

/** Ids sort in creation order: a fixed width after the type letter. */
const userId = (n: number) => `U0${String(n).padStart(9, '0')}`;
const channelId = (n: number) => `C0${String(n).padStart(9, '0')}`;

export const NAMED_CHANNELS = {
  general: channelId(1),
  random: channelId(2),
  engineering: channelId(3),
  /** Public, but the bot is not a member: `not_in_channel` without `chat:write.public`. */
  announcements: channelId(4),
  /** Archived: `is_archived` when posting. */
  oldProject: channelId(5),
  /** Private, bot is a member. */
  leadership: channelId(6),
  /** Private, bot is not a member: `channel_not_found` to the bot. */
  secret: channelId(7),
} as const;

export interface SlackSeedOptions {
  extraUsers: number;
  extraChannels: number;
}

function person(id: string, name: string, realName: string, index: number): SlackUser {
  return {
    id,
    name,
    realName,
    email: `${name}@example.com`,
    deleted: false,
    isBot: false,
    isAdmin: index === 0,
    isOwner: index === 0,
    botId: null,
    tz: 'Europe/London',
    tzLabel: 'Greenwich Mean Time',
    tzOffset: 0,
    updated: SEED_EPOCH_SECONDS + index,
    color: ['9f69e7', '4bbe2e', 'e7392d', '3c989f', 'e96699', 'da8b3b'][index % 6] ?? '9f69e7',
  };
}

/** The same workspace every time for the same options. */
export function seedState(options: SlackSeedOptions): SlackState {
  const users: SlackUser[] = PEOPLE.map(([name, realName], index) =>
    person(userId(101 + index), name, realName, index),
  );
  for (let n = 0; n < options.extraUsers; n += 1) {
    const name = `user-${String(n + 1).padStart(5, '0')}`;
    users.push(person(userId(1001 + n), name, `Sandbox User ${n + 1}`, n + PEOPLE.length));
  }
  users.push(
    {
      ...person(DEACTIVATED_USER_ID, 'dennis', 'Dennis Ritchie', 99),
      deleted: true,
      email: null,
    },
    {
      ...person(BOT_USER_ID, 'joinery-bot', 'Joinery Bot', 100),
      email: null,
      isBot: true,
      botId: BOT_ID,
    },
    {
      ...person('USLACKBOT', 'slackbot', 'Slackbot', 101),
      email: null,
      tz: 'America/Los_Angeles',
      tzLabel: 'Pacific Standard Time',
      tzOffset: -28800,
    },
  );
  users.sort((a, b) => a.id.localeCompare(b.id));

  const humans = users.filter((user) => !user.isBot && !user.deleted && user.id !== 'USLACKBOT');
  const everyone = humans.map((user) => user.id);
  const founder = humans[0]?.id ?? BOT_USER_ID;
  let tick = 0;
  const channel = (
    id: string,
    name: string,
    extra: Partial<SlackChannel> & { botMember: boolean; members?: string[] },
  ): SlackChannel => {
    const created = SEED_EPOCH_SECONDS + 3600 * tick++;
    const members = [...(extra.members ?? everyone), ...(extra.botMember ? [BOT_USER_ID] : [])];
    const messages: SlackMessage[] = [0, 1, 2].map((i) => ({
      ts: `${created + 60 * (i + 1)}.000${String(100 + i)}`,
      userId: members[i % Math.max(1, members.length - 1)] ?? founder,
      botId: null,
      text: `Seeded message ${i + 1} in #${name}`,
      blocks: null,
      attachments: null,
      threadTs: null,
      edited: null,
    }));
    return {
      id,
      name,
      isPrivate: extra.isPrivate ?? false,
      isArchived: extra.isArchived ?? false,
      isGeneral: extra.isGeneral ?? false,
      created,
      creatorId: founder,
      topic: extra.topic ?? '',
      purpose: extra.purpose ?? '',
      memberIds: members,
      messages,
    };
  };

  const channels: SlackChannel[] = [
    channel(NAMED_CHANNELS.general, 'general', {
      botMember: true,
      isGeneral: true,
      topic: 'Company-wide announcements and work-based matters',
      purpose: 'This channel is for team-wide communication and announcements.',
    }),
    channel(NAMED_CHANNELS.random, 'random', {
      botMember: true,
      topic: 'Non-work banter and water cooler conversation',
    }),
    channel(NAMED_CHANNELS.engineering, 'engineering', { botMember: true }),
    channel(NAMED_CHANNELS.announcements, 'announcements', { botMember: false }),
    channel(NAMED_CHANNELS.oldProject, 'old-project', { botMember: true, isArchived: true }),
    channel(NAMED_CHANNELS.leadership, 'leadership', {
      botMember: true,
      isPrivate: true,
      members: everyone.slice(0, 3),
    }),
    channel(NAMED_CHANNELS.secret, 'secret-plans', {
      botMember: false,
      isPrivate: true,
      members: everyone.slice(0, 2),
    }),
  ];
  for (let n = 0; n < options.extraChannels; n += 1) {
    channels.push(
      channel(channelId(1001 + n), `channel-${String(n + 1).padStart(5, '0')}`, {
        botMember: true,
        members: everyone.slice(0, 2),
      }),
    );
  }

  return {
    team: { id: TEAM_ID, name: 'Joinery Sandbox', domain: 'joinery-sandbox' },
    appId: APP_ID,
    botUserId: BOT_USER_ID,
    botId: BOT_ID,
    installerId: founder,
    users,
    channels,
    lastTsMicros: 0,
  };
}
