import { argArray, argString, type Args } from '../arguments.js';
import { ok, slackError, type MethodResult } from '../errors.js';
import { message } from '../representations.js';
import { findChannel, nextTs, type SlackMessage } from '../state.js';
import type { MethodContext, SlackMethod } from './method.js';

/** "Provide no more than 40,000 characters or risk truncation." */
export const MAX_TEXT = 40_000;

type Content =
  | { kind: 'ok'; text: string; blocks: unknown[] | null; attachments: unknown[] | null }
  | { kind: 'error'; result: MethodResult };

/** `text`, `blocks` or `attachments`: one of them is required, and `text` has a cap. */
function readContent(args: Args): Content {
  const blocks = argArray(args, 'blocks');
  if (blocks === 'invalid') return { kind: 'error', result: slackError('invalid_blocks') };
  const attachments = argArray(args, 'attachments');
  if (attachments === 'invalid')
    return { kind: 'error', result: slackError('invalid_attachments') };
  const text = argString(args, 'text') ?? '';
  if (text === '' && blocks === undefined && attachments === undefined)
    return { kind: 'error', result: slackError('no_text') };
  if (text.length > MAX_TEXT) return { kind: 'error', result: slackError('msg_too_long') };
  return { kind: 'ok', text, blocks: blocks ?? null, attachments: attachments ?? null };
}

/**
 * https://docs.slack.dev/reference/methods/chat.postMessage — `channel` is an id, `#name` or
 * `name`. A bot posts where it is a member, or in any public channel with `chat:write.public`.
 * Rate limit: "one message per second per channel", answered with 429 and `Retry-After`.
 */
export const chatPostMessage: SlackMethod = {
  name: 'chat.postMessage',
  tier: 'post_message',
  scopes: ['chat:write'],
  handle(context: MethodContext) {
    const { args, state, caller, now } = context;
    const viewerId = caller?.userId ?? '';
    const channel = findChannel(state, argString(args, 'channel') ?? '', viewerId);
    if (channel === undefined) return slackError('channel_not_found');
    if (channel.isArchived) return slackError('is_archived');
    if (!channel.memberIds.includes(viewerId) && !caller?.scopes.includes('chat:write.public'))
      return slackError('not_in_channel');
    const content = readContent(args);
    if (content.kind === 'error') return content.result;

    const wait = context.throttle(
      `post:${caller?.clientId ?? ''}:${channel.id}`,
      context.options.rateLimits.postMessagePerChannelPerSecond,
      1000,
    );
    if (wait !== undefined) return { kind: 'ratelimited', retryAfterSeconds: wait };

    const threadTs = argString(args, 'thread_ts');
    const record: SlackMessage = {
      ts: nextTs(state, now),
      userId: viewerId,
      botId: caller?.kind === 'bot' ? state.botId : null,
      text: content.text,
      blocks: content.blocks,
      attachments: content.attachments,
      threadTs: threadTs === undefined || threadTs === '' ? null : threadTs,
      edited: null,
    };
    channel.messages.push(record);
    return ok({ channel: channel.id, ts: record.ts, message: message(state, record) });
  },
};

/**
 * https://docs.slack.dev/reference/methods/chat.update — only the author may edit
 * (`cant_update_message`); archived channels answer `is_inactive`.
 */
export const chatUpdate: SlackMethod = {
  name: 'chat.update',
  tier: 3,
  scopes: ['chat:write'],
  handle({ args, state, caller, now }) {
    const viewerId = caller?.userId ?? '';
    const channel = findChannel(state, argString(args, 'channel') ?? '', viewerId);
    if (channel === undefined) return slackError('channel_not_found');
    const ts = argString(args, 'ts') ?? '';
    const record = channel.messages.find((candidate) => candidate.ts === ts);
    if (record === undefined) return slackError('message_not_found');
    if (channel.isArchived) return slackError('is_inactive');
    if (record.userId !== viewerId) return slackError('cant_update_message');
    const content = readContent(args);
    if (content.kind === 'error') return content.result;

    record.text = content.text;
    if (content.blocks !== null) record.blocks = content.blocks;
    if (content.attachments !== null) record.attachments = content.attachments;
    record.edited = { user: viewerId, ts: nextTs(state, now) };
    return ok({
      channel: channel.id,
      ts: record.ts,
      text: record.text,
      message: message(state, record),
    });
  },
};
