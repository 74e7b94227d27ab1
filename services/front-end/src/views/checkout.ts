// The checkout form: delivery address, shipping option with live prices, card, and a summary of the
// cart. The card is never written back into the page; the idempotency key is new on every render,
// so a double submit of one rendered form places one order.
import type { ApiCart } from '@trio/contracts/front-end';
import type { ShippingQuote } from '@trio/contracts/shipping';
import { estimatedDaysText, formatMoney } from './format.ts';
import { csrfField, errorSummary, type FormErrors, inputField, noErrors } from './forms.ts';
import { html, type SafeHtml } from './html.ts';

/** Countries the form offers (all of them ship), shown by name. */
export const countryCodes = [
  'AT',
  'AU',
  'BE',
  'CA',
  'CH',
  'DE',
  'DK',
  'ES',
  'FI',
  'FR',
  'GB',
  'IE',
  'IT',
  'JP',
  'LU',
  'NL',
  'NO',
  'PL',
  'PT',
  'SE',
  'US',
] as const;
export const defaultCountry = 'DE';

const regionNames = new Intl.DisplayNames('en', { type: 'region' });
const countries = countryCodes
  .map((code) => ({ code, name: regionNames.of(code) ?? code }))
  .sort((a, b) => a.name.localeCompare(b.name, 'en'));

export const shippingServices = [
  { value: 'standard', label: 'Standard' },
  { value: 'express', label: 'Express' },
] as const;

export interface CheckoutValues {
  name: string;
  line1: string;
  city: string;
  postalCode: string;
  country: string;
  shipping: string;
}

export interface CheckoutView {
  cart: ApiCart;
  values: CheckoutValues;
  quote?: ShippingQuote | undefined;
  /** Why the options show no prices. */
  quoteNote?: string | undefined;
  csrf: string;
  idempotencyKey: string;
  errors?: FormErrors;
  /** A failed order's reason, worded for the shopper. */
  failure?: string | undefined;
}

function shippingOption(
  service: (typeof shippingServices)[number],
  view: CheckoutView,
  error: string | undefined,
): SafeHtml {
  const option = view.quote?.options.find((candidate) => candidate.service === service.value);
  const id = `shipping-${service.value}`;
  return html`<div class="radio">
  <input type="radio" id="${id}" name="shipping" value="${service.value}"${
    view.values.shipping === service.value && html` checked`
  }${error !== undefined && html` aria-invalid="true" aria-describedby="shipping-error"`}>
  <label for="${id}"><span class="radio__name">${service.label}</span> <span class="radio__price" data-shipping-price="${service.value}">${
    option === undefined ? '' : formatMoney(option.price)
  }</span> <span class="radio__days muted" data-shipping-days="${service.value}">${
    option === undefined ? '' : `(${estimatedDaysText(option.estimatedDays)})`
  }</span></label>
</div>`;
}

export function checkoutPage(view: CheckoutView): SafeHtml {
  const errors = view.errors ?? noErrors;
  const { values } = view;
  const field = (name: keyof CheckoutValues | 'cardNumber' | 'expMonth' | 'expYear' | 'cvc') =>
    errors.fields[name];
  return html`<h1>Checkout</h1>
${
  view.failure !== undefined &&
  html`<div class="alert alert--error" role="alert" tabindex="-1">
  <h2 class="alert__title">Your order could not be placed</h2>
  <p>${view.failure}</p>
  <p>Your cart has been kept. Check your details and try again.</p>
</div>`
}
${errorSummary(errors)}
<div class="checkout">
<form id="checkout-form" class="checkout__form stack" method="post" action="/checkout" novalidate data-checkout>
  ${csrfField(view.csrf)}
  <input type="hidden" name="idempotencyKey" value="${view.idempotencyKey}">
  <fieldset>
    <legend>Delivery address</legend>
    ${inputField({ name: 'name', id: 'name', label: 'Full name', value: values.name, autocomplete: 'name', maxlength: 100, required: true, error: field('name') })}
    ${inputField({ name: 'line1', id: 'line1', label: 'Address', value: values.line1, autocomplete: 'address-line1', maxlength: 200, required: true, error: field('line1') })}
    ${inputField({ name: 'city', id: 'city', label: 'City', value: values.city, autocomplete: 'address-level2', maxlength: 100, required: true, error: field('city') })}
    ${inputField({ name: 'postalCode', id: 'postalCode', label: 'Postal code', value: values.postalCode, autocomplete: 'postal-code', maxlength: 20, required: true, error: field('postalCode'), className: 'field--short' })}
    <div class="field${field('country') !== undefined ? ' field--error' : ''}">
      <label for="country">Country</label>
      ${field('country') !== undefined && html`<p class="field__error" id="country-error">${field('country')}</p>`}
      <select id="country" name="country" autocomplete="country"${
        field('country') !== undefined && html` aria-invalid="true" aria-describedby="country-error"`
      }>${countries.map(
        (country) =>
          html`<option value="${country.code}"${country.code === values.country && html` selected`}>${country.name}</option>`,
      )}</select>
    </div>
  </fieldset>
  <fieldset class="shipping-options" data-shipping>
    <legend>Shipping</legend>
    ${field('shipping') !== undefined && html`<p class="field__error" id="shipping-error">${field('shipping')}</p>`}
    ${shippingServices.map((service) => shippingOption(service, view, field('shipping')))}
    <p class="field__hint" data-shipping-note aria-live="polite">${view.quoteNote ?? ''}</p>
    <button type="submit" class="button button--secondary no-js-only" formaction="/checkout/shipping" formnovalidate>Update shipping prices</button>
  </fieldset>
  <fieldset>
    <legend>Card</legend>
    ${inputField({ name: 'cardNumber', id: 'cardNumber', label: 'Card number', hint: 'Spaces are fine.', inputmode: 'numeric', autocomplete: 'cc-number', maxlength: 23, required: true, error: field('cardNumber') })}
    <div class="field-row">
      ${inputField({ name: 'expMonth', id: 'expMonth', label: 'Expiry month', hint: 'For example 7', inputmode: 'numeric', autocomplete: 'cc-exp-month', maxlength: 2, required: true, error: field('expMonth'), className: 'field--short' })}
      ${inputField({ name: 'expYear', id: 'expYear', label: 'Expiry year', hint: 'For example 2030', inputmode: 'numeric', autocomplete: 'cc-exp-year', maxlength: 4, required: true, error: field('expYear'), className: 'field--short' })}
      ${inputField({ name: 'cvc', id: 'cvc', label: 'CVC', hint: '3 or 4 digits on the back', inputmode: 'numeric', autocomplete: 'cc-csc', maxlength: 4, required: true, error: field('cvc'), className: 'field--short' })}
    </div>
  </fieldset>
  <button type="submit" class="button button--primary" data-place-order>Place order</button>
</form>
<aside class="checkout__summary" aria-labelledby="summary-title">
  <h2 id="summary-title">Your order</h2>
  <ul class="summary-lines">${view.cart.lines.map(
    (line) =>
      html`<li><span>${line.name} × ${line.qty}</span> <span>${formatMoney(line.lineTotal)}</span></li>`,
  )}</ul>
  <p class="summary-total"><span>Subtotal</span> <strong>${formatMoney(view.cart.subtotal)}</strong></p>
  <p class="muted">Shipping and VAT are added when you place the order.</p>
  <p><a href="/cart">Change your cart</a></p>
</aside>
</div>`;
}
