import { randomBytes } from 'node:crypto';
import type { ConnectFailure, ConnectPageView, ConnectSuccess } from '@joinery/engine';
import { html, scriptJson, trustedMarkup, type SafeHtml } from './html.js';

/** A rendered page with the headers that keep it safe: a nonce-based CSP, no caching, no referrer. */
export interface Page {
  status: number;
  body: string;
  headers: Record<string, string>;
}

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; color: #1d1d1f; background: #f5f5f7; margin: 0; }
  main { max-width: 30rem; margin: 10vh auto; background: #fff; border-radius: 12px; padding: 2rem;
         box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  h1 { font-size: 1.4rem; margin: 0 0 1rem; }
  ul { padding-left: 1.2rem; } code { font-size: .9em; }
  .note { color: #6e6e73; font-size: .9rem; }
  .problem { background: #fff4e5; border-radius: 8px; padding: .75rem 1rem; }
  button, a.button { font: inherit; background: #0071e3; color: #fff; border: 0; border-radius: 8px;
           padding: .6rem 1.2rem; cursor: pointer; text-decoration: none; display: inline-block; }
`;

function page(options: {
  status: number;
  title: string;
  body: SafeHtml;
  /** Where forms on the page may lead (the provider's origin, for the redirect after the POST). */
  formOrigins?: string[];
  script?: SafeHtml;
}): Page {
  const nonce = randomBytes(16).toString('base64');
  const formAction = ["'self'", ...(options.formOrigins ?? [])].join(' ');
  const body = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${options.title}</title>
        <style nonce="${nonce}">
          ${trustedMarkup(STYLE)}
        </style>
      </head>
      <body>
        <main>${options.body}</main>
        ${
          options.script
            ? html`<script nonce="${nonce}">
                ${options.script};
              </script>`
            : null
        }
      </body>
    </html> `;
  return {
    status: options.status,
    body: body.toString(),
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
      // The URL holds the link's secret; it must not leak to the provider or a proxy cache.
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  };
}

/** The page a Connect link opens: names the app and what it will be allowed to do. */
export function connectPage(view: ConnectPageView): Page {
  const scopes =
    view.scopes.length > 0
      ? html`<p>${view.providerName} will ask you to allow access to:</p>
          <ul>
            ${view.scopes.map((scope) => html`<li><code>${scope}</code></li>`)}
          </ul>`
      : html`<p>${view.providerName} will ask you to allow access to your account.</p>`;
  return page({
    status: 200,
    title: `${view.reconnect ? 'Reconnect' : 'Connect'} ${view.providerName}`,
    formOrigins: [view.providerOrigin],
    body: html`<h1>
        ${view.reconnect ? 'Reconnect' : 'Connect'} your ${view.providerName} account
      </h1>
      ${view.problem ? html`<p class="problem">${view.problem}</p>` : null} ${scopes}
      <form method="post" action="${view.continueUrl}">
        <button type="submit">Continue to ${view.providerName}</button>
      </form>
      <p class="note">
        Account of <strong>${view.tenant}</strong> · integration <code>${view.integration}</code>.
        You will sign in on ${view.providerName}'s own site; Joinery never sees your password.
      </p>`,
  });
}

/** Tells the window that opened this one (a popup) how it ended. The message carries no secret. */
function notifyOpener(message: Record<string, unknown>, origin: string | null): SafeHtml {
  return html`(function () { var message = ${scriptJson({ type: 'joinery:connect', ...message })};
  if (window.opener && !window.opener.closed) window.opener.postMessage(message,
  ${scriptJson(origin ?? '*')}); })();`;
}

export function successPage(success: ConnectSuccess): Page {
  return page({
    status: 200,
    title: `${success.providerName} connected`,
    body: html`<h1>${success.reauthorized ? 'Reconnected' : 'Connected'}</h1>
      <p>
        Your ${success.providerName} account is
        ${success.reauthorized ? 'connected again' : 'now connected'}. You can close this window.
      </p>`,
    script: notifyOpener(
      {
        ok: true,
        connectionId: success.connectionId,
        integration: success.integration,
        tenant: success.tenant,
        reauthorized: success.reauthorized,
      },
      success.origin,
    ),
  });
}

const STATUS: Partial<Record<ConnectFailure['reason'], number>> = {
  session_unknown: 404,
  session_expired: 410,
  session_used: 410,
  state_unknown: 400,
  browser_mismatch: 400,
  invalid_callback: 400,
  provider_unavailable: 502,
  provider_invalid_response: 502,
};

export function failurePage(failure: ConnectFailure): Page {
  // Back to the link's own page, which explains what went wrong and offers to continue.
  const retry = failure.retryUrl
    ? html`<p><a class="button" href="${failure.retryUrl}">Start again</a></p>`
    : null;
  return page({
    status: STATUS[failure.reason] ?? 200,
    title: failure.title,
    body: html`<h1>${failure.title}</h1>
      <p>${failure.message}</p>
      ${retry}`,
    script: notifyOpener({ ok: false, error: failure.reason }, failure.origin),
  });
}
