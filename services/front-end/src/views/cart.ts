// The cart: each line with its quantity form and remove button, the subtotal and the way on to
// checkout. Every button works as a plain form post.
import type { ApiCart } from '@trio/contracts/front-end';
import { productImage, productPath } from './catalog.ts';
import { formatMoney } from './format.ts';
import { csrfField, errorSummary, type FormErrors, inputField, noErrors } from './forms.ts';
import { html, type SafeHtml } from './html.ts';

export function cartLineId(sku: string): string {
  return `line-${sku}`;
}

export function cartPage(
  cart: ApiCart,
  form: { csrf: string; errors?: FormErrors; values?: Record<string, string> },
): SafeHtml {
  const errors = form.errors ?? noErrors;
  if (cart.lines.length === 0) {
    return html`<h1>Your cart</h1>
<p>Your cart is empty.</p>
<p><a href="/">Continue shopping</a></p>`;
  }
  return html`<h1>Your cart</h1>
${errorSummary(errors)}
<ul class="cart-lines">${cart.lines.map((line) => {
    const id = cartLineId(line.sku);
    const action = `/cart/items/${encodeURIComponent(line.sku)}`;
    return html`<li class="cart-line" data-testid="cart-line">
  ${productImage(line, 'cart-line__image')}
  <div class="cart-line__details">
    <h2 class="cart-line__name" id="${id}-name"><a href="${productPath(line.sku)}">${line.name}</a></h2>
    <p class="muted">${formatMoney(line.unitPrice)} each</p>
  </div>
  <form class="cart-line__qty" method="post" action="${action}" novalidate>
    ${csrfField(form.csrf)}
    ${inputField({
      name: 'qty',
      id: `${id}-qty`,
      label: `Quantity for ${line.name}`,
      type: 'number',
      value: form.values?.[line.sku] ?? String(line.qty),
      min: 1,
      max: 99,
      inputmode: 'numeric',
      required: true,
      error: errors.fields[line.sku],
      className: 'field--short',
    })}
    <button type="submit" class="button button--secondary" aria-describedby="${id}-name">Update</button>
  </form>
  <form class="cart-line__remove" method="post" action="${action}/remove">
    ${csrfField(form.csrf)}
    <button type="submit" class="link-button" aria-describedby="${id}-name">Remove</button>
  </form>
  <p class="cart-line__total"><span class="visually-hidden">Line total: </span>${formatMoney(line.lineTotal)}</p>
</li>`;
  })}</ul>
<div class="cart-summary">
  <p class="cart-summary__subtotal">Subtotal <strong>${formatMoney(cart.subtotal)}</strong></p>
  <p class="muted">Shipping and VAT are added at checkout.</p>
  <p><a class="button" href="/checkout">Checkout</a></p>
</div>`;
}
