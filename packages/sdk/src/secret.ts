const REDACTED = '[redacted]';
const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/** A string that does not print, serialise or inspect; only `reveal()` gives it back. */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  /** Replaces every occurrence of the secret in `text`, e.g. a server message that echoed it. */
  redactFrom(text: string): string {
    return this.#value === '' ? text : text.split(this.#value).join(REDACTED);
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspectCustom](): string {
    return `Secret(${REDACTED})`;
  }
}

/** Deep copy of a JSON value with the secret removed from every string in it. */
export function redactJson(value: unknown, secret: Secret): unknown {
  if (typeof value === 'string') return secret.redactFrom(value);
  if (Array.isArray(value)) return value.map((item) => redactJson(item, secret));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        secret.redactFrom(key),
        redactJson(item, secret),
      ]),
    );
  }
  return value;
}
