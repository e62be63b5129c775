/**
 * Wire JSON for users, channels and messages, field for field as the method pages' example
 * responses show them (users.list, conversations.list, chat.postMessage, chat.update).
 */
import type { SlackChannel, SlackMessage, SlackState, SlackUser } from './state.js';

const AVATAR = 'https://a.slack-edge.com/80588/img/avatars/ava_0010';

export function user(state: SlackState, record: SlackUser, includeLocale = false) {
  const [firstName, ...rest] = record.realName.split(' ');
  const profile: Record<string, unknown> = {
    title: '',
    phone: '',
    skype: '',
    real_name: record.realName,
    real_name_normalized: record.realName,
    display_name: record.name,
    display_name_normalized: record.name,
    status_text: '',
    status_emoji: '',
    avatar_hash: `g${record.id.slice(-11).toLowerCase()}`,
    first_name: firstName ?? '',
    last_name: rest.join(' '),
    image_24: `${AVATAR}-24.png`,
    image_32: `${AVATAR}-32.png`,
    image_48: `${AVATAR}-48.png`,
    image_72: `${AVATAR}-72.png`,
    image_192: `${AVATAR}-192.png`,
    image_512: `${AVATAR}-512.png`,
    team: state.team.id,
  };
  if (record.email !== null) profile['email'] = record.email;
  if (record.botId !== null) {
    profile['bot_id'] = record.botId;
    profile['api_app_id'] = state.appId;
  }
  const body: Record<string, unknown> = {
    id: record.id,
    team_id: state.team.id,
    name: record.name,
    deleted: record.deleted,
    color: record.color,
    real_name: record.realName,
    tz: record.tz,
    tz_label: record.tzLabel,
    tz_offset: record.tzOffset,
    profile,
    is_admin: record.isAdmin,
    is_owner: record.isOwner,
    is_primary_owner: record.isOwner,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: record.isBot,
    is_app_user: false,
    updated: record.updated,
    is_email_confirmed: record.email !== null,
    who_can_share_contact_card: 'EVERYONE',
  };
  if (includeLocale) body['locale'] = 'en-GB';
  return body;
}

export function channel(state: SlackState, record: SlackChannel, viewerId: string) {
  return {
    id: record.id,
    name: record.name,
    is_channel: !record.isPrivate,
    is_group: record.isPrivate,
    is_im: false,
    is_mpim: false,
    is_private: record.isPrivate,
    created: record.created,
    is_archived: record.isArchived,
    is_general: record.isGeneral,
    unlinked: 0,
    name_normalized: record.name,
    is_shared: false,
    is_org_shared: false,
    is_pending_ext_shared: false,
    pending_shared: [],
    context_team_id: state.team.id,
    updated: record.created * 1000,
    parent_conversation: null,
    creator: record.creatorId,
    is_ext_shared: false,
    shared_team_ids: [state.team.id],
    pending_connected_team_ids: [],
    is_member: record.memberIds.includes(viewerId),
    topic: {
      value: record.topic,
      creator: record.topic === '' ? '' : record.creatorId,
      last_set: record.topic === '' ? 0 : record.created,
    },
    purpose: {
      value: record.purpose,
      creator: record.purpose === '' ? '' : record.creatorId,
      last_set: record.purpose === '' ? 0 : record.created,
    },
    previous_names: [],
    num_members: record.memberIds.length,
  };
}

export function message(state: SlackState, record: SlackMessage) {
  const body: Record<string, unknown> = {
    user: record.userId,
    type: 'message',
    ts: record.ts,
    text: record.text,
    team: state.team.id,
  };
  if (record.botId !== null) {
    body['bot_id'] = record.botId;
    body['app_id'] = state.appId;
    body['bot_profile'] = {
      id: record.botId,
      app_id: state.appId,
      name: 'Joinery Bot',
      icons: {
        image_36: `${AVATAR}-36.png`,
        image_48: `${AVATAR}-48.png`,
        image_72: `${AVATAR}-72.png`,
      },
      deleted: false,
      updated: 1704067200,
      team_id: state.team.id,
    };
  }
  if (record.blocks !== null) body['blocks'] = record.blocks;
  if (record.attachments !== null) body['attachments'] = record.attachments;
  if (record.threadTs !== null) body['thread_ts'] = record.threadTs;
  if (record.edited !== null) body['edited'] = record.edited;
  return body;
}
