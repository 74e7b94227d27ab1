// Form building blocks: a labelled field that carries its own error (aria-invalid, and
// aria-describedby naming the hint and the message), the error summary at the top of a form
// (role="alert", each entry linking to its field), and the hidden CSRF field every POST form sends.
import { html, type SafeHtml } from './html.ts';

export interface FormErrors {
  /** Message per field name, shown beside the field. */
  fields: Record<string, string>;
  /** Every problem, in the form's order: `target` is the id of the field to jump to. */
  summary: { target?: string; message: string }[];
}

export const noErrors: FormErrors = { fields: {}, summary: [] };

export interface FieldInfo {
  /** The form field's name. */
  name: string;
  /** The element id the summary links to. */
  id: string;
  label: string;
  /** Replaces the schema's message (for messages worded for a program, such as enum errors). */
  message?: string | ((message: string) => string);
}

/**
 * Sorts issues (`{ path, message }` as toFieldIssues or a peer's error details give them) onto the
 * form's fields; an issue no field owns goes to the summary alone.
 */
export function formErrors(
  issues: readonly { path: string; message: string }[],
  fields: Record<string, FieldInfo>,
): FormErrors {
  const errors: FormErrors = { fields: {}, summary: [] };
  const order = Object.keys(fields);
  const sorted = [...issues].sort(
    (a, b) => rank(order.indexOf(a.path), order.length) - rank(order.indexOf(b.path), order.length),
  );
  for (const issue of sorted) {
    const field = fields[issue.path];
    if (field === undefined) {
      errors.summary.push({ message: sentence(issue.message) });
      continue;
    }
    if (errors.fields[field.name] !== undefined) continue;
    const message =
      typeof field.message === 'function'
        ? field.message(issue.message)
        : (field.message ?? `${field.label} ${issue.message}`);
    errors.fields[field.name] = sentence(message);
    errors.summary.push({ target: field.id, message: sentence(message) });
  }
  return errors;
}

function rank(index: number, length: number): number {
  return index === -1 ? length : index;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

export function errorSummary(errors: FormErrors, title = 'There is a problem'): SafeHtml | '' {
  if (errors.summary.length === 0) return '';
  return html`<div class="error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title">
  <h2 id="error-summary-title" class="error-summary__title">${title}</h2>
  <ul>${errors.summary.map(
    (entry) =>
      html`<li>${entry.target === undefined ? entry.message : html`<a href="#${entry.target}">${entry.message}</a>`}</li>`,
  )}</ul>
</div>`;
}

export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

export interface InputOptions {
  name: string;
  id: string;
  label: string;
  value?: string | number | undefined;
  type?: string;
  error?: string | undefined;
  hint?: string;
  autocomplete?: string;
  inputmode?: string;
  required?: boolean;
  min?: number;
  max?: number;
  maxlength?: number;
  disabled?: boolean;
  /** Extra classes on the field's wrapper. */
  className?: string;
}

/** A label, an optional hint, the error (when there is one) and the input, tied by ids. */
export function inputField(options: InputOptions): SafeHtml {
  const { id, error, hint } = options;
  const describedBy = [hint === undefined ? '' : `${id}-hint`, error === undefined ? '' : `${id}-error`]
    .filter((part) => part !== '')
    .join(' ');
  const classes = ['field', error === undefined ? '' : 'field--error', options.className ?? '']
    .filter((part) => part !== '')
    .join(' ');
  return html`<div class="${classes}">
  <label for="${id}">${options.label}</label>
  ${hint !== undefined && html`<p class="field__hint" id="${id}-hint">${hint}</p>`}
  ${error !== undefined && html`<p class="field__error" id="${id}-error">${error}</p>`}
  <input id="${id}" name="${options.name}" type="${options.type ?? 'text'}"${
    options.value === undefined ? '' : html` value="${options.value}"`
  }${options.autocomplete === undefined ? '' : html` autocomplete="${options.autocomplete}"`}${
    options.inputmode === undefined ? '' : html` inputmode="${options.inputmode}"`
  }${options.min === undefined ? '' : html` min="${options.min}"`}${
    options.max === undefined ? '' : html` max="${options.max}"`
  }${options.maxlength === undefined ? '' : html` maxlength="${options.maxlength}"`}${
    options.required === true && html` required`
  }${options.disabled === true && html` disabled`}${
    error !== undefined && html` aria-invalid="true"`
  }${describedBy === '' ? '' : html` aria-describedby="${describedBy}"`}>
</div>`;
}
