/**
 * Salesforce record ids: a three-character key prefix (`003` Contact, `001` Account, `00D`
 * organization, `005` user, `01g` query locator), then a case-sensitive body, 15 characters in
 * all; the 18-character form adds a case-insensitive checksum of three characters, one per
 * five-character chunk, each encoding which letters of the chunk are upper case.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
/** Every sandbox id carries this pod-like segment after the key prefix. */
const POD = '5g';

/** The checksum that makes a 15-character id 18 characters long. */
export function checksum(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let flags = 0;
    for (let i = 0; i < 5; i += 1) {
      const c = id15.charAt(chunk * 5 + i);
      if (c >= 'A' && c <= 'Z') flags |= 1 << i;
    }
    out += SUFFIX.charAt(flags);
  }
  return out;
}

/** The `n`th id with this prefix, 18 characters. Ids sort in `n` order. */
export function makeId(prefix: string, n: number): string {
  let body = '';
  let rest = n;
  for (let i = 0; i < 10; i += 1) {
    body = BASE62.charAt(rest % 62) + body;
    rest = Math.floor(rest / 62);
  }
  const id15 = `${prefix}${POD}${body}`;
  return id15 + checksum(id15);
}

/** The 15-character form of a 15- or 18-character id, or `undefined` if it is not one. */
export function id15Of(id: string): string | undefined {
  if (!/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(id)) return undefined;
  const id15 = id.slice(0, 15);
  if (id.length === 18 && id.slice(15).toUpperCase() !== checksum(id15)) return undefined;
  return id15;
}

export const sameId = (a: string, b: string): boolean =>
  id15Of(a) !== undefined && id15Of(a) === id15Of(b);
