import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Random, unguessable identifiers with a readable prefix (`conn_…`, `req_…`). */
export function newId(prefix: string, bytes = 12): string {
  const raw = randomBytes(bytes);
  let out = '';
  for (const byte of raw) out += ALPHABET[byte % 36];
  return `${prefix}_${out}`;
}
