import { inspect } from 'node:util';

const REDACTED = '[secret]';

/**
 * A value that must not reach a log, an error or a response. It does not print, serialise or
 * inspect; the only way to the value is `reveal()`, which is easy to grep for.
 */
export class Secret<T = string> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
