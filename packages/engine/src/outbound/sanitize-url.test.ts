import { describe, expect, it } from 'vitest';
import { sanitizeUrl } from './sanitize-url.js';

describe('sanitizeUrl', () => {
  it('removes user-info and secret query values', () => {
    const url = new URL(
      'https://user:pw@api.test/v1/things?api_key=abc&page=2&access_token=xyz&hapikey=h1',
    );
    const safe = sanitizeUrl(url, ['hapikey']);
    expect(safe).not.toMatch(/abc|xyz|h1|pw/);
    expect(safe).toContain('page=2');
    expect(safe).toContain('api_key=REDACTED');
  });
});
