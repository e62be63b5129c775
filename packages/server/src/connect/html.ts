/** Markup that is already safe: only `html` and `raw` make one. */
export class SafeHtml {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  toString(): string {
    return this.#value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for an HTML text node or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => ESCAPES[char] as string);
}

type Interpolated = string | number | SafeHtml | readonly SafeHtml[] | null | undefined | false;

/**
 * A template tag that escapes every interpolated value unless it is already `SafeHtml`, so a value
 * from a provider, a tenant name or a URL can never become markup.
 */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    if (value instanceof SafeHtml) out += value.toString();
    else if (Array.isArray(value)) out += value.map((part: SafeHtml) => part.toString()).join('');
    else if (value !== null && value !== undefined && value !== false)
      out += escapeHtml(String(value));
    out += strings[index + 1] ?? '';
  });
  return new SafeHtml(out);
}

/**
 * JSON for inside a `<script>` element: `<`, `>`, `&` and the JavaScript line separators are
 * escaped, so no value can close the element or start a comment.
 */
export function scriptJson(value: unknown): SafeHtml {
  return new SafeHtml(
    JSON.stringify(value)
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029'),
  );
}

/** Markup written in this code base (a style sheet constant); never for a value from outside. */
export function trustedMarkup(constant: string): SafeHtml {
  return new SafeHtml(constant);
}
