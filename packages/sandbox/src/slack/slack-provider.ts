import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { errorPage, redirect, withQuery } from '../core/oauth.js';
import type { Provider, ProviderRequest, ProviderResponse } from '../core/provider.js';
import { createSlidingWindow } from '../core/sliding-window.js';
import { readArguments } from './arguments.js';
import { faultError, slackError, type MethodResult } from './errors.js';
import { authRevoke, authTest } from './methods/auth.js';
import { chatPostMessage, chatUpdate } from './methods/chat.js';
import { conversationsHistory, conversationsList } from './methods/conversations.js';
import { hasScope, type SlackMethod, type Tier } from './methods/method.js';
import { usersList, usersLookupByEmail } from './methods/users.js';
import { authorize, createOAuthAccess, createSlackCodeStore, denialTarget } from './oauth.js';
import {
  resolveSlackOptions,
  SLACK_INACTIVE_TOKEN,
  type ResolvedSlackOptions,
  type SlackSandboxOptions,
} from './options.js';
import { DEACTIVATED_USER_ID, seedState } from './seed.js';
import type { SlackState } from './state.js';
import { createTokenStore, type SlackToken } from './tokens.js';

/** What the demo and configured bot tokens may do: everything except `chat:write.public`. */
export const STATIC_BOT_SCOPES = [
  'chat:write',
  'channels:read',
  'channels:history',
  'groups:history',
  'groups:read',
  'users:read',
  'users:read.email',
];
const TEAM_NUMBER = '1000000001';
const AUTHORIZE_PATH = '/oauth/v2/authorize';
const MINUTE = 60_000;

const firstHeader = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** `Authorization: Bearer xoxb-…`, the way Slack asks for tokens to be sent. */
function bearer(headers: IncomingHttpHeaders): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(firstHeader(headers, 'authorization') ?? '')?.[1];
}

function perMinute(options: ResolvedSlackOptions, tier: Exclude<Tier, 'post_message'>): number {
  const { tier1, tier2, tier3, tier4 } = options.rateLimits;
  return { 1: tier1, 2: tier2, 3: tier3, 4: tier4 }[tier];
}

const requestId = () => randomBytes(16).toString('hex');

function json(
  status: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): ProviderResponse {
  return {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-slack-req-id': requestId(),
      'access-control-allow-origin': '*',
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, no-cache, no-store, must-revalidate',
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

/** The Slack Web API and OAuth v2 under `/slack`: the methods `joinery-sandbox --help` lists. */
export function createSlackProvider(options?: SlackSandboxOptions): Provider {
  const resolved = resolveSlackOptions(options);
  const seed = () =>
    seedState({ extraUsers: resolved.seedUsers, extraChannels: resolved.seedChannels });
  let state: SlackState = seed();
  const statics = (): SlackToken[] => [
    ...resolved.botTokens.map((token): SlackToken => ({
      token,
      kind: 'bot',
      userId: state.botUserId,
      clientId: state.appId,
      scopes: STATIC_BOT_SCOPES,
      expiresAt: undefined,
      revoked: false,
      inactive: false,
      refreshToken: undefined,
    })),
    {
      token: SLACK_INACTIVE_TOKEN,
      kind: 'user',
      userId: DEACTIVATED_USER_ID,
      clientId: state.appId,
      scopes: STATIC_BOT_SCOPES,
      expiresAt: undefined,
      revoked: false,
      inactive: true,
      refreshToken: undefined,
    },
  ];
  const tokens = createTokenStore({
    statics,
    rotationExpiresIn: resolved.rotationExpiresIn,
    teamNumber: TEAM_NUMBER,
  });
  const codes = createSlackCodeStore(TEAM_NUMBER);
  const windows = createSlidingWindow();
  const methods = new Map<string, SlackMethod>(
    [
      authTest,
      authRevoke,
      chatPostMessage,
      chatUpdate,
      conversationsList,
      conversationsHistory,
      usersList,
      usersLookupByEmail,
      createOAuthAccess(codes),
    ].map((method) => [method.name, method]),
  );

  const answer = (
    result: MethodResult,
    method: SlackMethod,
    caller: SlackToken | undefined,
    warnings: string[],
  ): ProviderResponse => {
    const headers: Record<string, string> = {
      'x-accepted-oauth-scopes': method.scopes.join(','),
    };
    if (caller !== undefined) headers['x-oauth-scopes'] = caller.scopes.join(',');
    if (result.kind === 'ratelimited') {
      headers['retry-after'] = String(result.retryAfterSeconds);
      return json(429, { ok: false, error: 'ratelimited' }, headers);
    }
    const body: Record<string, unknown> =
      result.kind === 'ok'
        ? { ok: true, ...result.body }
        : { ok: false, error: result.error, ...result.extra };
    if (warnings.length > 0) {
      body['warning'] = warnings.join(',');
      const metadata = (body['response_metadata'] ?? {}) as Record<string, unknown>;
      body['response_metadata'] = { ...metadata, warnings };
    }
    return json(200, body, headers);
  };

  const callMethod = (request: ProviderRequest, name: string, now: number): ProviderResponse => {
    const method = methods.get(name);
    if (method === undefined)
      return json(404, { ok: false, error: 'unknown_method', req_method: name });
    const parsed = readArguments(request);
    if (parsed.kind === 'error') return answer(slackError(parsed.error), method, undefined, []);
    const { args, warnings } = parsed;

    let caller: SlackToken | undefined;
    if (method.public !== true) {
      const found = tokens.lookup(bearer(request.headers) ?? parsed.formToken, now);
      if (found.kind === 'none')
        return answer(slackError('not_authed'), method, undefined, warnings);
      if (found.kind !== 'ok') return answer(slackError(found.kind), method, undefined, warnings);
      caller = found.token;
      if (!hasScope(caller, method)) {
        return answer(
          slackError('missing_scope', {
            needed: method.scopes.join(','),
            provided: caller.scopes.join(','),
          }),
          method,
          caller,
          warnings,
        );
      }
    }

    // Limits are "per API method per workspace/team per app"; a token names its app.
    if (method.tier !== 'post_message') {
      const app =
        caller?.clientId ??
        (typeof args['client_id'] === 'string' ? args['client_id'] : request.remoteAddress);
      const hit = windows.hit(
        `${state.team.id}:${app}:${method.name}`,
        perMinute(resolved, method.tier),
        MINUTE,
        now,
      );
      if (!hit.allowed)
        return answer(
          {
            kind: 'ratelimited',
            retryAfterSeconds: Math.max(1, Math.ceil(hit.retryAfterMs / 1000)),
          },
          method,
          caller,
          warnings,
        );
    }

    const result = method.handle({
      request,
      args,
      state,
      caller,
      tokens,
      options: resolved,
      now,
      throttle(key, limit, windowMs) {
        const hit = windows.hit(`${state.team.id}:${key}`, limit, windowMs, now);
        return hit.allowed ? undefined : Math.max(1, Math.ceil(hit.retryAfterMs / 1000));
      },
    });
    return answer(result, method, caller, warnings);
  };

  const methodName = (path: string) => /^\/api\/([A-Za-z0-9.]+)$/.exec(path)?.[1];

  return {
    name: 'slack',
    prefix: '/slack',
    description:
      'Slack Web API (POST /api/<method>, HTTP 200 with "ok") and OAuth v2. "Authorization: Bearer xoxb-…" or a form "token".',

    handle(request) {
      const now = Date.now();
      if (request.path === AUTHORIZE_PATH && request.method === 'GET')
        return authorize(request, resolved, codes, now);
      const name = methodName(request.path);
      if (name === undefined)
        return errorPage(
          404,
          'Not Found',
          `No Slack endpoint at ${request.path}; methods live under /api/<method>.`,
        );
      return callMethod(request, name, now);
    },

    statusFault(request, fault) {
      if (request.path === AUTHORIZE_PATH && fault.status >= 300 && fault.status < 400) {
        // A 3xx fault on the authorize page is the member clicking "Cancel".
        const target = denialTarget(request, resolved);
        if (target === undefined)
          return errorPage(400, 'bad_redirect_uri', 'No redirect_uri to send the denial to.');
        return redirect(
          withQuery(target, {
            error: 'access_denied',
            state: request.query.get('state') ?? undefined,
          }),
        );
      }
      const response = json(
        fault.status,
        (fault.body !== undefined && typeof fault.body === 'object' && fault.body !== null
          ? fault.body
          : { ok: false, error: faultError(fault.status) }) as Record<string, unknown>,
        fault.headers ?? {},
      );
      if (typeof fault.body === 'string') response.body = fault.body; // sent as is, e.g. an HTML 502 page
      return response;
    },

    rateLimitFault(_request, fault) {
      // Slack's only rate-limit answer is 429 with Retry-After in seconds; `status` is ignored.
      const seconds = fault.retryAfter ?? fault.resetAfter ?? 30;
      const retryAfter =
        seconds === 'http-date'
          ? new Date(Math.ceil(Date.now() / 1000) * 1000 + 60_000).toUTCString()
          : String(seconds);
      return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': retryAfter });
    },

    identify(headers, body) {
      let token = bearer(headers);
      if (
        token === undefined &&
        String(headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
      )
        token = new URLSearchParams(body.toString('utf8')).get('token') ?? undefined;
      const found = token === undefined ? undefined : tokens.find(token);
      if (found === undefined) return null;
      return state.users.find((user) => user.id === found.userId)?.name ?? null;
    },

    reset() {
      state = seed();
      tokens.reset();
      codes.clear();
      windows.clear();
    },
  };
}
