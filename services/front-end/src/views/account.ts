// Logging in, registering and the account page. The forms keep what was typed except the
// password, and carry `next`: where to go once logged in.
import { csrfField, errorSummary, type FormErrors, inputField, noErrors } from './forms.ts';
import { html, type SafeHtml } from './html.ts';

export interface AccountForm {
  csrf: string;
  next?: string | undefined;
  values?: { name?: string; email?: string };
  errors?: FormErrors;
}

function nextField(next: string | undefined): SafeHtml | '' {
  return next === undefined ? '' : html`<input type="hidden" name="next" value="${next}">`;
}

function withNext(path: string, next: string | undefined): string {
  return next === undefined ? path : `${path}?next=${encodeURIComponent(next)}`;
}

export function loginPage(form: AccountForm): SafeHtml {
  const errors = form.errors ?? noErrors;
  return html`<div class="narrow">
<h1>Log in</h1>
${errorSummary(errors)}
<form class="stack" method="post" action="/login" novalidate>
  ${csrfField(form.csrf)}
  ${nextField(form.next)}
  ${inputField({
    name: 'email',
    id: 'email',
    label: 'Email',
    type: 'email',
    value: form.values?.email ?? '',
    autocomplete: 'email',
    required: true,
    error: errors.fields.email,
  })}
  ${inputField({
    name: 'password',
    id: 'password',
    label: 'Password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    error: errors.fields.password,
  })}
  <button type="submit" class="button">Log in</button>
</form>
<p>New here? <a href="${withNext('/register', form.next)}">Create an account</a></p>
</div>`;
}

export function registerPage(form: AccountForm): SafeHtml {
  const errors = form.errors ?? noErrors;
  return html`<div class="narrow">
<h1>Create an account</h1>
${errorSummary(errors)}
<form class="stack" method="post" action="/register" novalidate>
  ${csrfField(form.csrf)}
  ${nextField(form.next)}
  ${inputField({
    name: 'name',
    id: 'name',
    label: 'Name',
    value: form.values?.name ?? '',
    autocomplete: 'name',
    maxlength: 100,
    required: true,
    error: errors.fields.name,
  })}
  ${inputField({
    name: 'email',
    id: 'email',
    label: 'Email',
    type: 'email',
    value: form.values?.email ?? '',
    autocomplete: 'email',
    required: true,
    error: errors.fields.email,
  })}
  ${inputField({
    name: 'password',
    id: 'password',
    label: 'Password',
    type: 'password',
    hint: 'At least 8 characters.',
    autocomplete: 'new-password',
    required: true,
    error: errors.fields.password,
  })}
  <button type="submit" class="button">Create account</button>
</form>
<p><a href="${withNext('/login', form.next)}">I already have an account</a></p>
</div>`;
}

export function accountPage(user: { name: string; email: string }): SafeHtml {
  return html`<h1>Your account</h1>
<dl class="details">
  <dt>Name</dt><dd>${user.name}</dd>
  <dt>Email</dt><dd>${user.email}</dd>
</dl>
<p><a href="/orders">Your orders</a></p>`;
}
