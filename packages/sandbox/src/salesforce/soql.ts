/**
 * A small SOQL: `SELECT field, Parent.field, … | COUNT() FROM Contact|Account
 * [WHERE cond] [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], …] [LIMIT n] [OFFSET n]`, where a
 * condition is `field op value` (`= != <> < <= > >= LIKE IN NOT IN`) joined by `AND`, `OR`,
 * `NOT` and parentheses. Keywords, object and field names are case-insensitive; string
 * comparisons too. Errors carry Salesforce's codes and its caret-pointing messages.
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm
 */
import { sfError, type SalesforceError } from './errors.js';
import {
  fieldNamed,
  sobjectNamed,
  type FieldDefinition,
  type SObjectDefinition,
} from './schema.js';
import type { FieldValue, SfRecord } from './state.js';

/** "The maximum offset is 2,000 rows." */
export const MAX_OFFSET = 2000;

interface Token {
  kind: 'ident' | 'string' | 'number' | 'datetime' | 'op' | 'punct' | 'end';
  text: string;
  /** 1-based, as in "ERROR at Row:1:Column:12". */
  column: number;
}

/** A selected or filtered field, possibly through the parent relationship (`Account.Name`). */
export interface FieldPath {
  field: FieldDefinition;
  /** The reference field (`AccountId`) and parent object, for `Account.Name`. */
  via?: { reference: FieldDefinition; parent: SObjectDefinition };
}

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; inner: Condition }
  | {
      kind: 'compare';
      path: FieldPath;
      op: '=' | '!=' | '<' | '<=' | '>' | '>=';
      value: FieldValue;
    }
  | { kind: 'in'; path: FieldPath; values: FieldValue[]; negated: boolean }
  | { kind: 'like'; path: FieldPath; pattern: string };

export interface SoqlQuery {
  sobject: SObjectDefinition;
  /** Empty for `COUNT()`. */
  select: FieldPath[];
  count: boolean;
  where: Condition | undefined;
  orderBy: { path: FieldPath; descending: boolean; nullsLast: boolean }[];
  limit: number | undefined;
  offset: number;
}

/** A parse failure, already in Salesforce's shape; thrown from deep in the parser, caught at its top. */
class SoqlFailure extends Error {
  constructor(readonly error: SalesforceError) {
    super(error.errors[0]?.message ?? 'SOQL error');
    this.name = 'SoqlFailure';
  }
}

const located = (query: string, column: number, text: string) =>
  `\n${query}\n${' '.repeat(Math.max(0, column - 1))}^\nERROR at Row:1:Column:${column}\n${text}`;

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const rules: [Token['kind'], RegExp][] = [
    ['datetime', /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2}))?/],
    ['number', /^-?\d+(\.\d+)?/],
    ['ident', /^[A-Za-z_][A-Za-z0-9_.]*/],
    ['op', /^(!=|<>|<=|>=|=|<|>)/],
    ['punct', /^[(),]/],
  ];
  while (i < query.length) {
    const rest = query.slice(i);
    const space = /^\s+/.exec(rest);
    if (space !== null) {
      i += space[0].length;
      continue;
    }
    if (rest.startsWith("'")) {
      let text = '';
      let j = 1;
      for (; j < rest.length && rest[j] !== "'"; j += 1) {
        if (rest[j] === '\\' && j + 1 < rest.length) {
          j += 1;
          const escaped = rest[j] ?? '';
          text += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped;
        } else text += rest[j] ?? '';
      }
      if (j >= rest.length)
        throw new SoqlFailure(
          sfError(400, 'MALFORMED_QUERY', located(query, i + 1, 'unterminated string literal')),
        );
      tokens.push({ kind: 'string', text, column: i + 1 });
      i += j + 1;
      continue;
    }
    const rule = rules.find(([, pattern]) => pattern.test(rest));
    if (rule === undefined)
      throw new SoqlFailure(
        sfError(
          400,
          'MALFORMED_QUERY',
          located(query, i + 1, `unexpected token: '${rest.charAt(0)}'`),
        ),
      );
    const text = rule[1].exec(rest)?.[0] ?? '';
    tokens.push({ kind: rule[0], text, column: i + 1 });
    i += text.length;
  }
  tokens.push({ kind: 'end', text: '<EOF>', column: query.length + 1 });
  return tokens;
}

const STRINGY = new Set(['id', 'reference', 'string', 'email', 'phone', 'url', 'picklist']);

class Parser {
  private position = 0;
  private sobject: SObjectDefinition | undefined;
  constructor(
    private readonly query: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return (
      this.tokens[this.position] ?? { kind: 'end', text: '<EOF>', column: this.query.length + 1 }
    );
  }
  private next(): Token {
    const token = this.peek();
    this.position += 1;
    return token;
  }
  private isKeyword(word: string, token = this.peek()): boolean {
    return token.kind === 'ident' && token.text.toUpperCase() === word;
  }
  private fail(token: Token, code: string, text: string): never {
    throw new SoqlFailure(sfError(400, code, located(this.query, token.column, text)));
  }
  private unexpected(token: Token): never {
    return this.fail(token, 'MALFORMED_QUERY', `unexpected token: ${token.text}`);
  }
  private expectKeyword(word: string): void {
    const token = this.next();
    if (!this.isKeyword(word, token)) this.unexpected(token);
  }
  private expectPunct(text: string): void {
    const token = this.next();
    if (token.kind !== 'punct' || token.text !== text) this.unexpected(token);
  }

  parse(): SoqlQuery {
    this.expectKeyword('SELECT');
    const selected: Token[] = [];
    let count = false;
    if (this.isKeyword('COUNT') && this.tokens[this.position + 1]?.text === '(') {
      this.next();
      this.expectPunct('(');
      this.expectPunct(')');
      count = true;
    } else {
      for (;;) {
        const token = this.next();
        if (token.kind !== 'ident' || this.isKeyword('FROM', token)) this.unexpected(token);
        selected.push(token);
        if (this.peek().text !== ',') break;
        this.next();
      }
    }
    this.expectKeyword('FROM');
    const from = this.next();
    if (from.kind !== 'ident') this.unexpected(from);
    const sobject = sobjectNamed(from.text);
    if (sobject === undefined)
      this.fail(
        from,
        'INVALID_TYPE',
        `sObject type '${from.text}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    this.sobject = sobject;
    const select = selected.map((token) => this.path(token));

    let where: Condition | undefined;
    if (this.isKeyword('WHERE')) {
      this.next();
      where = this.or();
    }
    const orderBy: SoqlQuery['orderBy'] = [];
    if (this.isKeyword('ORDER')) {
      this.next();
      this.expectKeyword('BY');
      for (;;) {
        const token = this.next();
        if (token.kind !== 'ident') this.unexpected(token);
        const path = this.path(token);
        let descending = false;
        if (this.isKeyword('ASC')) this.next();
        else if (this.isKeyword('DESC')) {
          this.next();
          descending = true;
        }
        let nullsLast = false;
        if (this.isKeyword('NULLS')) {
          this.next();
          const which = this.next();
          if (this.isKeyword('LAST', which)) nullsLast = true;
          else if (!this.isKeyword('FIRST', which)) this.unexpected(which);
        }
        orderBy.push({ path, descending, nullsLast });
        if (this.peek().text !== ',') break;
        this.next();
      }
    }
    let limit: number | undefined;
    if (this.isKeyword('LIMIT')) {
      this.next();
      const token = this.next();
      if (token.kind !== 'number' || !/^\d+$/.test(token.text)) this.unexpected(token);
      limit = Number(token.text);
    }
    let offset = 0;
    if (this.isKeyword('OFFSET')) {
      this.next();
      const token = this.next();
      if (token.kind !== 'number' || !/^\d+$/.test(token.text)) this.unexpected(token);
      offset = Number(token.text);
      if (offset > MAX_OFFSET)
        throw new SoqlFailure(
          sfError(
            400,
            'NUMBER_OUTSIDE_VALID_RANGE',
            `Maximum SOQL offset allowed is ${MAX_OFFSET}`,
          ),
        );
    }
    const end = this.next();
    if (end.kind !== 'end') this.unexpected(end);
    return { sobject, select, count, where, orderBy, limit, offset };
  }

  /** `LastName`, or `Account.Name` through a reference field's relationship name. */
  private path(token: Token): FieldPath {
    const sobject = this.sobject as SObjectDefinition;
    const noColumn = (name: string, entity: string): never =>
      this.fail(
        token,
        'INVALID_FIELD',
        `No such column '${name}' on entity '${entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    const parts = token.text.split('.');
    if (parts.length === 1) {
      const field = fieldNamed(sobject, token.text);
      return field === undefined ? noColumn(token.text, sobject.name) : { field };
    }
    const [relationship = '', name = ''] = parts;
    const reference = sobject.fields.find(
      (candidate) => candidate.relationshipName?.toLowerCase() === relationship.toLowerCase(),
    );
    const parent =
      reference?.referenceTo === undefined ? undefined : sobjectNamed(reference.referenceTo);
    if (parts.length !== 2 || reference === undefined || parent === undefined)
      return this.fail(
        token,
        'INVALID_FIELD',
        `Didn't understand relationship '${relationship}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    const field = fieldNamed(parent, name);
    return field === undefined
      ? noColumn(name, parent.name)
      : { field, via: { reference, parent } };
  }

  private or(): Condition {
    let left = this.and();
    while (this.isKeyword('OR')) {
      this.next();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }
  private and(): Condition {
    let left = this.not();
    while (this.isKeyword('AND')) {
      this.next();
      left = { kind: 'and', left, right: this.not() };
    }
    return left;
  }
  private not(): Condition {
    if (this.isKeyword('NOT')) {
      this.next();
      return { kind: 'not', inner: this.not() };
    }
    if (this.peek().text === '(') {
      this.next();
      const inner = this.or();
      this.expectPunct(')');
      return inner;
    }
    return this.comparison();
  }

  private comparison(): Condition {
    const fieldToken = this.next();
    if (fieldToken.kind !== 'ident') this.unexpected(fieldToken);
    const path = this.path(fieldToken);
    const opToken = this.next();
    if (this.isKeyword('LIKE', opToken)) {
      const pattern = this.next();
      if (pattern.kind !== 'string') this.unexpected(pattern);
      return { kind: 'like', path, pattern: pattern.text };
    }
    const negated = this.isKeyword('NOT', opToken);
    if (negated || this.isKeyword('IN', opToken)) {
      if (negated) this.expectKeyword('IN');
      this.expectPunct('(');
      const values: FieldValue[] = [this.literal(path)];
      while (this.peek().text === ',') {
        this.next();
        values.push(this.literal(path));
      }
      this.expectPunct(')');
      return { kind: 'in', path, values, negated };
    }
    if (opToken.kind !== 'op') this.unexpected(opToken);
    const op =
      opToken.text === '<>' ? '!=' : (opToken.text as '=' | '!=' | '<' | '<=' | '>' | '>=');
    return { kind: 'compare', path, op, value: this.literal(path) };
  }

  /** A literal of the field's type: quoted for text, bare for numbers, booleans and dates. */
  private literal(path: FieldPath): FieldValue {
    const token = this.next();
    if (this.isKeyword('NULL', token)) return null;
    const type = path.field.type;
    const mismatch = (expected: string, quoted: boolean): never =>
      this.fail(
        token,
        'INVALID_QUERY_FILTER_OPERATOR',
        `value of filter criterion for field '${path.field.name}' must be of type ${expected} and should ${quoted ? '' : 'not '}be enclosed in quotes`,
      );
    if (STRINGY.has(type)) return token.kind === 'string' ? token.text : mismatch('string', true);
    if (type === 'boolean') {
      if (this.isKeyword('TRUE', token)) return true;
      if (this.isKeyword('FALSE', token)) return false;
      return mismatch('boolean', false);
    }
    if (type === 'int')
      return token.kind === 'number' ? Number(token.text) : mismatch('double', false);
    if (type === 'datetime')
      return token.kind === 'datetime' && token.text.includes('T')
        ? token.text
        : mismatch('dateTime', false);
    return this.unexpected(token);
  }
}

/** The parsed query, or the error Salesforce would answer (always a 400). */
export function parseSoql(query: string): SoqlQuery | SalesforceError {
  try {
    return new Parser(query, tokenize(query)).parse();
  } catch (error) {
    if (error instanceof SoqlFailure) return error.error;
    throw error;
  }
}

/** A field's value on a record, through the parent relationship if the path has one. */
export function valueAt(
  path: FieldPath,
  record: SfRecord,
  parentOf: (reference: FieldDefinition, record: SfRecord) => SfRecord | undefined,
): FieldValue {
  if (path.via === undefined) return record.fields[path.field.name] ?? null;
  return parentOf(path.via.reference, record)?.fields[path.field.name] ?? null;
}

const comparable = (value: FieldValue, type: FieldDefinition['type']): number | string | boolean =>
  value === null
    ? ''
    : type === 'datetime'
      ? Date.parse(String(value).replace(/\+0000$/, 'Z'))
      : typeof value === 'string'
        ? value.toLowerCase()
        : value;

const order = (a: number | string | boolean, b: number | string | boolean) =>
  typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));

function likeMatches(value: FieldValue, pattern: string): boolean {
  if (value === null) return false;
  const regex = pattern
    .split('')
    .map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`, 'is').test(String(value));
}

export function matches(
  condition: Condition,
  record: SfRecord,
  parentOf: (reference: FieldDefinition, record: SfRecord) => SfRecord | undefined,
): boolean {
  switch (condition.kind) {
    case 'and':
      return (
        matches(condition.left, record, parentOf) && matches(condition.right, record, parentOf)
      );
    case 'or':
      return (
        matches(condition.left, record, parentOf) || matches(condition.right, record, parentOf)
      );
    case 'not':
      return !matches(condition.inner, record, parentOf);
    case 'like':
      return likeMatches(valueAt(condition.path, record, parentOf), condition.pattern);
    case 'in': {
      const value = valueAt(condition.path, record, parentOf);
      const type = condition.path.field.type;
      const found = condition.values.some((candidate) =>
        candidate === null
          ? value === null
          : value !== null && order(comparable(value, type), comparable(candidate, type)) === 0,
      );
      return condition.negated ? !found : found;
    }
    case 'compare': {
      const value = valueAt(condition.path, record, parentOf);
      if (condition.value === null || value === null) {
        const same = condition.value === value;
        return condition.op === '=' ? same : condition.op === '!=' ? !same : false;
      }
      const type = condition.path.field.type;
      const difference = order(comparable(value, type), comparable(condition.value, type));
      switch (condition.op) {
        case '=':
          return difference === 0;
        case '!=':
          return difference !== 0;
        case '<':
          return difference < 0;
        case '<=':
          return difference <= 0;
        case '>':
          return difference > 0;
        case '>=':
          return difference >= 0;
      }
    }
  }
}

/** The rows the query selects, in order, before batching. */
export function run(
  query: SoqlQuery,
  records: readonly SfRecord[],
  parentOf: (reference: FieldDefinition, record: SfRecord) => SfRecord | undefined,
): SfRecord[] {
  const where = query.where;
  const rows =
    where === undefined
      ? [...records]
      : records.filter((record) => matches(where, record, parentOf));
  if (query.orderBy.length > 0) {
    rows.sort((a, b) => {
      for (const { path, descending, nullsLast } of query.orderBy) {
        const [x, y] = [valueAt(path, a, parentOf), valueAt(path, b, parentOf)];
        if (x === null || y === null) {
          if (x === y) continue;
          return (x === null) === nullsLast ? 1 : -1;
        }
        const difference = order(comparable(x, path.field.type), comparable(y, path.field.type));
        if (difference !== 0) return descending ? -difference : difference;
      }
      return 0;
    });
  }
  return rows.slice(
    query.offset,
    query.limit === undefined ? undefined : query.offset + query.limit,
  );
}
