/**
 * What a person's browser does during a Connect flow, over plain HTTP: redirects followed by hand
 * (`redirect: 'manual'`), a cookie jar, and oidc-provider's development login and consent forms
 * submitted as a person would. Test support only.
 */

export interface BrowserResponse {
  status: number;
  url: string;
  location: string | null;
  text: string;
  headers: Headers;
}

/** Cookies by host name, as browsers keep them (not by port). Paths and expiry are ignored. */
export class TestBrowser {
  readonly #jar = new Map<string, Map<string, string>>();

  cookies(host: string): Map<string, string> {
    let cookies = this.#jar.get(host);
    if (!cookies) {
      cookies = new Map();
      this.#jar.set(host, cookies);
    }
    return cookies;
  }

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<BrowserResponse> {
    const target = new URL(url);
    const cookies = this.cookies(target.hostname);
    const headers: Record<string, string> = {};
    if (cookies.size > 0)
      headers.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(target, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      redirect: 'manual',
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some(
        (a) => /^\s*max-age=0\s*$/i.test(a) || /expires=thu, 01 jan 1970/i.test(a),
      );
      if (expired || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    const location = response.headers.get('location');
    return {
      status: response.status,
      url: target.toString(),
      location: location === null ? null : new URL(location, target).toString(),
      text: await response.text(),
      headers: response.headers,
    };
  }
}

export interface ConnectFlowOptions {
  /** The account signing in at the provider. Defaults to `alice`. */
  login?: string;
  /** `deny` aborts at the provider, which answers `error=access_denied`. Defaults to `allow`. */
  decision?: 'allow' | 'deny';
  /** Changes the provider's redirect back before the browser follows it (tampering tests). */
  tamper?: (callback: URL) => URL;
}

export interface ConnectFlow {
  /** The Connect page as first shown. */
  page: BrowserResponse;
  /** Where Joinery sent the browser: the provider's authorization request. */
  authorizationUrl: string;
  /** Where the provider sent the browser back to (Joinery's callback with code and state). */
  callbackUrl: string;
  /** Joinery's answer to the callback: the result page. */
  result: BrowserResponse;
}

/**
 * Opens a Connect link, continues to the provider, signs in, consents (or aborts), and follows
 * the provider's redirect back to Joinery's callback.
 */
export async function runConnectFlow(
  browser: TestBrowser,
  connectUrl: string,
  options: ConnectFlowOptions = {},
): Promise<ConnectFlow> {
  const page = await browser.request(connectUrl);
  if (page.status !== 200)
    throw new Error(`the Connect page answered ${page.status}: ${page.text.slice(0, 500)}`);
  const action = /<form method="post" action="([^"]+)"/.exec(page.text)?.[1];
  if (!action) throw new Error('the Connect page has no form to continue');
  const callbackPrefix = new URL('/oauth/callback', connectUrl).toString();
  let response = await browser.request(new URL(action, connectUrl).toString(), { method: 'POST' });
  const authorizationUrl = response.location;
  if (response.status !== 303 || !authorizationUrl)
    throw new Error(
      `starting the flow answered ${response.status}: ${response.text.slice(0, 500)}`,
    );
  for (let step = 0; step < 20; step++) {
    if (response.location?.startsWith(callbackPrefix)) {
      const callback = options.tamper
        ? options.tamper(new URL(response.location))
        : new URL(response.location);
      const result = await browser.request(callback.toString());
      return { page, authorizationUrl, callbackUrl: callback.toString(), result };
    }
    if (response.location) {
      response = await browser.request(response.location);
      continue;
    }
    if (response.status !== 200)
      throw new Error(`the provider answered ${response.status}: ${response.text.slice(0, 500)}`);
    const submit = /<form[^>]*action="([^"]+)"[^>]*method="post"/.exec(response.text)?.[1];
    if (!submit) throw new Error(`no form on the provider's page: ${response.text.slice(0, 500)}`);
    if (options.decision === 'deny') {
      response = await browser.request(`${submit}/abort`);
      continue;
    }
    const isLogin = /name="login"/.test(response.text);
    response = await browser.request(submit, {
      form: isLogin
        ? { prompt: 'login', login: options.login ?? 'alice', password: 'any' }
        : { prompt: 'consent' },
    });
  }
  throw new Error('the flow did not come back to Joinery within 20 steps');
}
