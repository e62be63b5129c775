import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { JoineryError } from './errors.js';
import { Secret } from './secret.js';

export interface Sealed {
  keyId: string;
  data: string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Id of a key: a short digest, stored beside every ciphertext so keys can rotate. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * AES-256-GCM for credentials at rest. The first key seals; every key can open, so a rotation is:
 * put the new key first, keep the old one until every row has been re-sealed.
 * The associated data binds a ciphertext to its row: a sealed value copied to another row fails to open.
 */
export class CredentialCipher {
  readonly #keys: Map<string, Buffer>;
  readonly #current: string;

  constructor(keys: readonly Secret<Buffer>[]) {
    const first = keys[0];
    if (!first) throw new Error('CredentialCipher needs at least one key');
    this.#keys = new Map();
    for (const key of keys) {
      const raw = key.reveal();
      if (raw.length !== 32) throw new Error('an encryption key must be 32 bytes');
      this.#keys.set(keyIdOf(raw), raw);
    }
    this.#current = keyIdOf(first.reveal());
  }

  get currentKeyId(): string {
    return this.#current;
  }

  seal(plaintext: Secret<string>, associatedData: string): Sealed {
    const key = this.#keys.get(this.#current) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const body = Buffer.concat([cipher.update(plaintext.reveal(), 'utf8'), cipher.final()]);
    return {
      keyId: this.#current,
      data: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'),
    };
  }

  open(sealed: Sealed, associatedData: string): Secret<string> {
    const key = this.#keys.get(sealed.keyId);
    if (!key) {
      throw new JoineryError(
        'internal',
        `stored credentials were sealed with encryption key ${sealed.keyId}, which this process does not have. ` +
          `Set JOINERY_ENCRYPTION_KEY to include that key (keys are comma-separated, newest first).`,
      );
    }
    const raw = Buffer.from(sealed.data, 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      decipher.setAAD(Buffer.from(associatedData));
      const text = Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
      return new Secret(text);
    } catch (error) {
      throw new JoineryError(
        'internal',
        'stored credentials failed their integrity check and were not used',
        {
          cause: error,
        },
      );
    }
  }
}
