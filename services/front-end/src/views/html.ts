// The pages' one way to write HTML: a tagged template that escapes every interpolated value unless
// it is already markup (another `html` result or a `raw()` string), so forgetting to escape is
// impossible and opting out is visible. Arrays are joined; null, undefined and booleans render as
// nothing, so `${condition && html`…`}` works.
import escapeHtml from 'escape-html';

export class SafeHtml {
  readonly value: string;

  constructor(value: string) {
    this.value = value;
  }

  toString(): string {
    return this.value;
  }
}

export type Interpolation =
  | SafeHtml
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly Interpolation[];

/** Markup that is trusted as it is: only for strings the code itself wrote, never for input. */
export function raw(value: string): SafeHtml {
  return new SafeHtml(value);
}

function render(value: Interpolation): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || typeof value === 'boolean') return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}
