import { notFound, sfError, SalesforceError } from '../errors.js';
import { checkFieldValues } from '../field-values.js';
import { id15Of } from '../ids.js';
import { recordJson } from '../representations.js';
import {
  CONTACT,
  describe,
  fieldNamed,
  sobjectNamed,
  SOBJECTS,
  type SObjectDefinition,
} from '../schema.js';
import { newRecord } from '../seed.js';
import { findRecord, fullName, sfTimestamp } from '../state.js';
import type { RouteContext, RouteResult, SalesforceRoute } from './route.js';

function sobjectOf(context: RouteContext): SObjectDefinition | SalesforceError {
  return sobjectNamed(context.params['sobject'] ?? '') ?? notFound();
}

/** The JSON body, or Salesforce's 400 for one it cannot read. */
function readBody(context: RouteContext): unknown {
  const text = context.request.body.toString('utf8');
  try {
    return JSON.parse(text === '' ? 'null' : text) as unknown;
  } catch (error) {
    return sfError(
      400,
      'JSON_PARSER_ERROR',
      `Unexpected character: ${error instanceof Error ? error.message : 'unparsable'}`,
    );
  }
}

/** The record `{id}` names, or 404: a value that is not an id reads as an external id Salesforce cannot find. */
function recordOf(context: RouteContext, sobject: SObjectDefinition) {
  const id = context.params['id'] ?? '';
  if (id15Of(id) === undefined)
    return notFound(`Provided external ID field does not exist or is not accessible: ${id}`);
  return findRecord(context.state, sobject, id) ?? notFound();
}

/** `GET /sobjects`: describeGlobal, the objects there are. */
const describeGlobal: SalesforceRoute = {
  method: 'GET',
  path: '/sobjects',
  handle({ version }) {
    return {
      status: 200,
      body: {
        encoding: 'UTF-8',
        maxBatchSize: 200,
        sobjects: SOBJECTS.map((sobject) => ({
          activateable: false,
          createable: true,
          custom: false,
          customSetting: false,
          deletable: true,
          keyPrefix: sobject.keyPrefix,
          label: sobject.label,
          labelPlural: sobject.labelPlural,
          name: sobject.name,
          queryable: true,
          retrieveable: true,
          searchable: true,
          updateable: true,
          urls: {
            sobject: `/services/data/v${version}/sobjects/${sobject.name}`,
            describe: `/services/data/v${version}/sobjects/${sobject.name}/describe`,
            rowTemplate: `/services/data/v${version}/sobjects/${sobject.name}/{ID}`,
          },
        })),
      },
    };
  },
};

/** https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm */
const describeSObject: SalesforceRoute = {
  method: 'GET',
  path: '/sobjects/{sobject}/describe',
  handle(context) {
    const sobject = sobjectOf(context);
    if (sobject instanceof SalesforceError) return sobject;
    return { status: 200, body: describe(sobject, context.version) };
  },
};

/** `POST /sobjects/{name}`: 201 `{"id", "success": true, "errors": []}`. */
const createRecord: SalesforceRoute = {
  method: 'POST',
  path: '/sobjects/{sobject}',
  handle(context) {
    const sobject = sobjectOf(context);
    if (sobject instanceof SalesforceError) return sobject;
    const body = readBody(context);
    if (body instanceof SalesforceError) return body;
    const values = checkFieldValues(sobject, body, 'create', context.state);
    if (values instanceof SalesforceError) return values;
    const record = newRecord(context.state, sobject, values, context.now);
    return { status: 201, body: { id: record.id, success: true, errors: [] } };
  },
};

/** `GET /sobjects/{name}/{id}`: every field, or the comma-separated `?fields=`. */
const getRecord: SalesforceRoute = {
  method: 'GET',
  path: '/sobjects/{sobject}/{id}',
  handle(context): RouteResult | SalesforceError {
    const sobject = sobjectOf(context);
    if (sobject instanceof SalesforceError) return sobject;
    const record = recordOf(context, sobject);
    if (record instanceof SalesforceError) return record;
    const fields = context.request.query.get('fields');
    let only: Set<string> | undefined;
    if (fields !== null) {
      only = new Set();
      for (const name of fields.split(',').map((part) => part.trim())) {
        const field = fieldNamed(sobject, name);
        if (field === undefined)
          return sfError(
            400,
            'INVALID_FIELD',
            `No such column '${name}' on entity '${sobject.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
          );
        only.add(field.name);
      }
    }
    return { status: 200, body: recordJson(sobject, record, context.version, only) };
  },
};

/** `PATCH /sobjects/{name}/{id}`: 204 with no body. */
const updateRecord: SalesforceRoute = {
  method: 'PATCH',
  path: '/sobjects/{sobject}/{id}',
  handle(context) {
    const sobject = sobjectOf(context);
    if (sobject instanceof SalesforceError) return sobject;
    const record = recordOf(context, sobject);
    if (record instanceof SalesforceError) return record;
    const body = readBody(context);
    if (body instanceof SalesforceError) return body;
    const values = checkFieldValues(sobject, body, 'update', context.state);
    if (values instanceof SalesforceError) return values;
    const at = sfTimestamp(context.now);
    Object.assign(record.fields, values, { LastModifiedDate: at, SystemModstamp: at });
    if (sobject === CONTACT) record.fields['Name'] = fullName(record.fields);
    return { status: 204, body: undefined };
  },
};

/** `DELETE /sobjects/{name}/{id}`: 204; the record is gone from reads and queries, and getDeleted lists it. */
const deleteRecord: SalesforceRoute = {
  method: 'DELETE',
  path: '/sobjects/{sobject}/{id}',
  handle(context) {
    const sobject = sobjectOf(context);
    if (sobject instanceof SalesforceError) return sobject;
    const record = recordOf(context, sobject);
    if (record instanceof SalesforceError) return record;
    const { state } = context;
    state.records[sobject.name] = state.records[sobject.name].filter((other) => other !== record);
    state.deleted[sobject.name].push({ id: record.id, deletedDate: sfTimestamp(context.now) });
    return { status: 204, body: undefined };
  },
};

const DAY_MS = 86_400_000;
/** getDeleted answers for a start within the last 30 days (SOAP API's getDeleted() rules). */
const MAX_START_AGE_MS = 30 * DAY_MS;
const minuteOf = (time: number) => Math.floor(time / 60_000) * 60_000;

/**
 * `GET /sobjects/{name}/deleted/?start=&end=` (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_getdeleted.htm):
 * `{deletedRecords: [{id, deletedDate}], earliestDateAvailable, latestDateCovered}` for the
 * deletions from `start` to `end` (ISO 8601). Salesforce ignores the seconds of `start`, and the
 * sandbox does too; it answers up to the end of `end`'s second rather than to the minute before
 * it, so a deletion is seen at once (Joinery's next window overlaps the previous run's by a
 * minute, which covers Salesforce's rounding).
 */
const getDeleted: SalesforceRoute = {
  method: 'GET',
  path: '/sobjects/{sobject}/deleted',
  handle(context) {
    const sobject = sobjectOf(context);
    if (sobject instanceof SalesforceError) return sobject;
    const start = Date.parse(context.request.query.get('start') ?? '');
    const end = Date.parse(context.request.query.get('end') ?? '');
    if (Number.isNaN(start) || Number.isNaN(end))
      return sfError(
        400,
        'MALFORMED_QUERY',
        'start and end must be dateTimes in ISO 8601 format, e.g. 2013-05-05T00:00:00+00:00',
      );
    if (start < context.now - MAX_START_AGE_MS)
      return sfError(400, 'INVALID_REPLICATION_DATE', 'startDate cannot be more than 30 days ago');
    if (end <= start)
      return sfError(
        400,
        'INVALID_REPLICATION_DATE',
        'startDate must chronologically precede endDate',
      );
    const from = minuteOf(start);
    // `end` to the second, that whole second included (an `end` of now written without
    // milliseconds still covers a deletion made in this second).
    const covered = Math.min(Math.floor(end / 1000) * 1000 + 999, context.now);
    return {
      status: 200,
      body: {
        deletedRecords: context.state.deleted[sobject.name].filter((deleted) => {
          const at = Date.parse(deleted.deletedDate);
          return at >= from && at <= covered;
        }),
        // The sandbox purges nothing; Salesforce returns deletions for no more than 15 days back
        // (the REST resource's page), or less after a purge: `deletedRetentionSeconds`.
        earliestDateAvailable: sfTimestamp(
          minuteOf(context.now - context.options.deletedRetentionSeconds * 1000),
        ),
        latestDateCovered: sfTimestamp(covered),
      },
    };
  },
};

export const sobjectRoutes: SalesforceRoute[] = [
  describeGlobal,
  describeSObject,
  createRecord,
  // Before `getRecord`: `deleted` is not an id.
  getDeleted,
  getRecord,
  updateRecord,
  deleteRecord,
];
