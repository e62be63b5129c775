/**
 * REST API versions: three releases a year, `62.0` being Winter '25. Versions 21.0 to 30.0 were
 * retired in Summer '25, so the sandbox serves 31.0 to {@link LATEST_VERSION}; any other answers
 * 404 `NOT_FOUND`, as a retired version does.
 * https://help.salesforce.com/s/articleView?id=000389618&type=1
 */

export const OLDEST_VERSION = 31;
export const LATEST_VERSION = 65;

/** `64.0` from `v64.0`, if the sandbox serves it. */
export function supportedVersion(segment: string): string | undefined {
  const match = /^v(\d+)\.0$/.exec(segment);
  const major = Number(match?.[1]);
  return match !== null && major >= OLDEST_VERSION && major <= LATEST_VERSION
    ? `${major}.0`
    : undefined;
}

/** "Winter '25" for 62.0: the release each version shipped in. */
export function releaseLabel(major: number): string {
  const offset = major - 62;
  const season = ['Winter', 'Spring', 'Summer'][((offset % 3) + 3) % 3] ?? 'Winter';
  const year = 25 + Math.floor(offset / 3);
  return `${season} '${String(year).padStart(2, '0')}`;
}

/** `GET /services/data`: every version served, oldest first. */
export function versionList() {
  const out = [];
  for (let major = OLDEST_VERSION; major <= LATEST_VERSION; major += 1)
    out.push({
      label: releaseLabel(major),
      url: `/services/data/v${major}.0`,
      version: `${major}.0`,
    });
  return out;
}
