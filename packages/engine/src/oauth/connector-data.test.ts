import { describe, expect, it } from 'vitest';
import { defineConnector } from '../connector/define.js';
import { validateConnector } from '../connector/registry.js';

const base = {
  id: 'demo',
  name: 'Demo',
  description: 'A demo API',
  docsUrl: 'https://example.com/docs',
  baseUrl: 'https://api.example.com',
  actions: [],
};

describe('OAuth connector data', () => {
  it('accepts provider quirks as data', () => {
    expect(() =>
      validateConnector(
        defineConnector({
          ...base,
          auth: [{ type: 'oauth2' }],
          oauth: {
            authorizationUrl: 'https://login.example.com/authorize',
            tokenUrl: 'https://login.example.com/token',
            tokenEndpointAuthMethod: 'client_secret_post',
            authorizationParams: { access_type: 'offline', prompt: 'consent' },
            keepRefreshTokenIfAbsent: true,
            tokenResponseSettings: { instance_url: 'baseUrl' },
            redirectUriOnRefresh: false,
            refreshOn401: false,
            idleRefreshTokenDays: 90,
          },
        }),
      ),
    ).not.toThrow();
  });

  it('names what an OAuth scheme is missing', () => {
    expect(() =>
      validateConnector(defineConnector({ ...base, auth: [{ type: 'oauth2' }] })),
    ).toThrow(
      'connector "demo": oauth.authorizationUrl: an OAuth scheme needs it: declare it, or list it in integrationRequires',
    );
    expect(() =>
      validateConnector(
        defineConnector({ ...base, auth: [{ type: 'oauth2_client_credentials' }], oauth: {} }),
      ),
    ).toThrow('oauth.tokenUrl');
    expect(() =>
      validateConnector(
        defineConnector({
          ...base,
          baseUrl: '',
          auth: [{ type: 'oauth2' }],
          integrationRequires: ['authorizationUrl', 'tokenUrl'],
        }),
      ),
    ).toThrow('baseUrl: empty, but integrationRequires does not list baseUrl');
  });
});
