import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CredentialCipher } from './credential-cipher.js';
import { Secret } from './secret.js';

const key = () => new Secret(randomBytes(32));

describe('CredentialCipher (AES-256-GCM)', () => {
  it('round-trips and never stores the plaintext', () => {
    const cipher = new CredentialCipher([key()]);
    const sealed = cipher.seal(new Secret('{"apiKey":"ghp_abc123"}'), 'conn_1');
    expect(sealed.keyId).toBe(cipher.currentKeyId);
    expect(sealed.data).not.toContain('ghp_abc123');
    expect(Buffer.from(sealed.data, 'base64').toString('latin1')).not.toContain('ghp_abc123');
    expect(cipher.open(sealed, 'conn_1').reveal()).toBe('{"apiKey":"ghp_abc123"}');
  });

  it('uses a fresh IV each time', () => {
    const cipher = new CredentialCipher([key()]);
    const a = cipher.seal(new Secret('same'), 'x');
    const b = cipher.seal(new Secret('same'), 'x');
    expect(a.data).not.toBe(b.data);
  });

  it('refuses a ciphertext moved to another row', () => {
    const cipher = new CredentialCipher([key()]);
    const sealed = cipher.seal(new Secret('token'), 'conn_1');
    expect(() => cipher.open(sealed, 'conn_2')).toThrow(/integrity check/);
  });

  it('refuses a tampered ciphertext', () => {
    const cipher = new CredentialCipher([key()]);
    const sealed = cipher.seal(new Secret('token'), 'conn_1');
    const raw = Buffer.from(sealed.data, 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] as number) ^ 1;
    expect(() => cipher.open({ ...sealed, data: raw.toString('base64') }, 'conn_1')).toThrow(
      /integrity check/,
    );
  });

  it('opens values sealed with an older key after rotation, and seals with the newest', () => {
    const oldKey = key();
    const before = new CredentialCipher([oldKey]);
    const sealed = before.seal(new Secret('token'), 'conn_1');
    const after = new CredentialCipher([key(), oldKey]);
    expect(after.open(sealed, 'conn_1').reveal()).toBe('token');
    expect(after.seal(new Secret('token'), 'conn_1').keyId).not.toBe(sealed.keyId);
  });

  it('names the missing key id when it cannot open a value', () => {
    const sealed = new CredentialCipher([key()]).seal(new Secret('token'), 'conn_1');
    expect(() => new CredentialCipher([key()]).open(sealed, 'conn_1')).toThrow(sealed.keyId);
  });
});
