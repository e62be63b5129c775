// Query parameters whose values are secrets by their name alone, whatever the connector says.
const SECRET_PARAM = /(token|key|secret|password|passwd|signature|sig|auth|code|session)/i;

/** A URL fit for a log line: no user-info, no secret query values. */
export function sanitizeUrl(url: URL, secretParams: readonly string[] = []): string {
  const copy = new URL(url.toString());
  copy.username = '';
  copy.password = '';
  for (const name of [...copy.searchParams.keys()]) {
    if (secretParams.includes(name) || SECRET_PARAM.test(name))
      copy.searchParams.set(name, 'REDACTED');
  }
  return copy.toString();
}
