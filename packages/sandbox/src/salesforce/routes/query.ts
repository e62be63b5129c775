import { sfError, SalesforceError } from '../errors.js';
import { MAX_BATCH_SIZE } from '../options.js';
import { queryRow } from '../representations.js';
import { parseSoql, run, type FieldPath } from '../soql.js';
import type { SfRecord } from '../state.js';
import type { RouteContext, SalesforceRoute } from './route.js';

/** "The minimum is 200 and the maximum is 2,000"; outside that the header is not honoured. */
export const MIN_BATCH_SIZE = 200;

/** `Sforce-Query-Options: batchSize=N`, else the sandbox's configured batch size. */
function batchSizeOf(context: RouteContext): number {
  const header = context.request.headers['sforce-query-options'];
  const asked = /batchSize=(\d+)/i.exec(
    Array.isArray(header) ? header.join(',') : (header ?? ''),
  )?.[1];
  if (asked === undefined) return context.options.queryBatchSize;
  return Math.min(MAX_BATCH_SIZE, Math.max(MIN_BATCH_SIZE, Number(asked)));
}

const nextUrl = (version: string, locator: string, offset: number) =>
  `/services/data/v${version}/query/${locator}-${offset}`;

/**
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_query.htm —
 * `GET /query?q=SOQL`: `totalSize`, `done`, `records`, and while rows remain a relative
 * `nextRecordsUrl` to fetch the next batch from.
 */
export const query: SalesforceRoute = {
  method: 'GET',
  path: '/query',
  handle(context) {
    const { request, state, version, now, locators } = context;
    const text = request.query.get('q') ?? '';
    if (text.trim() === '')
      return sfError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const parsed = parseSoql(text);
    if (parsed instanceof SalesforceError) return parsed;
    const parentOf = (path: FieldPath, record: SfRecord) =>
      path.via === undefined ? undefined : context.parentOf(path.via.reference, record);
    const rows = run(parsed, state.records[parsed.sobject.name], context.parentOf);
    if (parsed.count)
      return { status: 200, body: { totalSize: rows.length, done: true, records: [] } };
    const json = rows.map((record) =>
      queryRow(parsed.sobject, record, parsed.select, version, parentOf),
    );
    const batch = batchSizeOf(context);
    if (json.length <= batch)
      return { status: 200, body: { totalSize: json.length, done: true, records: json } };
    const locator = locators.open(json, batch, now);
    return {
      status: 200,
      body: {
        totalSize: json.length,
        done: false,
        nextRecordsUrl: nextUrl(version, locator, batch),
        records: json.slice(0, batch),
      },
    };
  },
};

/** `GET /query/{locator}-{offset}`: the next batch of a query that did not fit in one. */
export const queryMore: SalesforceRoute = {
  method: 'GET',
  path: '/query/{cursor}',
  handle({ params, version, now, locators }) {
    const match = /^(01g[A-Za-z0-9]{12,15})-(\d+)$/.exec(params['cursor'] ?? '');
    const batch =
      match?.[1] === undefined ? undefined : locators.read(match[1], Number(match[2]), now);
    if (match?.[1] === undefined || batch === undefined)
      return sfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    return {
      status: 200,
      body: {
        totalSize: batch.total,
        done: batch.next === undefined,
        ...(batch.next === undefined
          ? {}
          : { nextRecordsUrl: nextUrl(version, match[1], batch.next) }),
        records: batch.rows,
      },
    };
  },
};
