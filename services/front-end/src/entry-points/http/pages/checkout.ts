// The checkout page: the cart, the address form with live shipping prices (re-priced without
// JavaScript by posting the address), the card, and the order placed through billing's saga. A
// refused or failed order re-renders the form with the address kept and the card left out.
import { randomUUID } from 'node:crypto';
import { IdempotencyKey, toFieldIssues } from '@trio/contracts/common';
import { type ApiCart, ApiCheckoutRequest } from '@trio/contracts/front-end';
import type { ShippingQuote } from '@trio/contracts/shipping';
import { AppError } from '@trio/service-runtime/errors';
import type { Response, Router } from 'express';
import { cartOf } from '../../../domain/cart.ts';
import { checkout, quoteShipping } from '../../../domain/checkout.ts';
import type { ShopSession } from '../../../domain/sessions.ts';
import { requireUser } from '../../../domain/shop.ts';
import { type CheckoutValues, checkoutPage, countryCodes, defaultCountry } from '../../../views/checkout.ts';
import { failureText } from '../../../views/format.ts';
import { type FieldInfo, type FormErrors, formErrors } from '../../../views/forms.ts';
import { orderPath } from '../../../views/orders.ts';
import { currentSession } from '../session.ts';
import { bodyText, detailsOf, queryText, statusOf, toInt, toYear } from './form-input.ts';
import type { PageKit } from './kit.ts';

/**
 * Shipping prices by country only (the postal code does not change a quote), but a quote request
 * must name one: until the shopper has typed theirs, the checkout quotes with this stand-in.
 */
export const quotePostalCodeStandIn = '00000';

const checkoutFields: Record<string, FieldInfo> = {
  'address.name': { name: 'name', id: 'name', label: 'Full name' },
  'address.line1': { name: 'line1', id: 'line1', label: 'Address' },
  'address.city': { name: 'city', id: 'city', label: 'City' },
  'address.postalCode': { name: 'postalCode', id: 'postalCode', label: 'Postal code' },
  'address.country': { name: 'country', id: 'country', label: 'Country', message: 'Choose a country.' },
  shipping: {
    name: 'shipping',
    id: 'shipping-standard',
    label: 'Shipping',
    message: 'Choose a shipping option.',
  },
  'card.number': {
    name: 'cardNumber',
    id: 'cardNumber',
    label: 'Card number',
    message: (message) =>
      message.includes('Luhn')
        ? 'Card number is not valid: check it for typing mistakes.'
        : 'Enter a card number of 12 to 19 digits.',
  },
  'card.expMonth': {
    name: 'expMonth',
    id: 'expMonth',
    label: 'Expiry month',
    message: 'Enter the expiry month, 1 to 12.',
  },
  'card.expYear': {
    name: 'expYear',
    id: 'expYear',
    label: 'Expiry year',
    message: 'Enter the expiry year, for example 2030.',
  },
  'card.cvc': { name: 'cvc', id: 'cvc', label: 'CVC', message: 'Enter the 3 or 4 digit CVC.' },
};

/** The address and shipping choice as typed (never the card): what a re-rendered checkout keeps. */
function checkoutValues(read: (name: string) => string): CheckoutValues {
  const country = read('country').trim().toUpperCase();
  const shipping = read('shipping');
  return {
    name: read('name').slice(0, 200),
    line1: read('line1').slice(0, 300),
    city: read('city').slice(0, 200),
    postalCode: read('postalCode').slice(0, 40),
    country: (countryCodes as readonly string[]).includes(country) ? country : defaultCountry,
    shipping: shipping === 'standard' || shipping === 'express' ? shipping : '',
  };
}

export function checkoutPages(router: Router, kit: PageKit): void {
  const { deps, send, form, csrf } = kit;

  async function quoteFor(
    session: ShopSession,
    values: CheckoutValues,
  ): Promise<{ quote?: ShippingQuote; quoteNote?: string }> {
    const typed = values.postalCode.trim();
    const postalCode = typed === '' || typed.length > 20 ? quotePostalCodeStandIn : typed;
    try {
      return { quote: await quoteShipping(deps, session, { country: values.country, postalCode }) };
    } catch (error) {
      if (statusOf(error) === 400)
        return { quoteNote: 'We cannot ship to this country. Choose another one.' };
      deps.log.warn({ err: error }, 'shipping quote unavailable; checkout shown without prices');
      return {
        quoteNote:
          'Shipping prices are not available right now. The price is added when you place the order.',
      };
    }
  }

  async function renderCheckout(
    res: Response,
    session: ShopSession,
    cart: ApiCart,
    view: { values: CheckoutValues; errors?: FormErrors; failure?: string; status?: number },
  ): Promise<void> {
    const quote = await quoteFor(session, view.values);
    await send(res, {
      title: 'Checkout',
      status: view.status ?? 200,
      cart,
      main: checkoutPage({
        cart,
        values: view.values,
        ...quote,
        csrf: deps.sessions.csrfToken(session),
        // New on every render: a failed or refused attempt must not replay under the next one's key.
        idempotencyKey: randomUUID(),
        errors: view.errors,
        failure: view.failure,
      }),
    });
  }

  router.get('/checkout', async (req, res) => {
    const session = currentSession(res);
    requireUser(session);
    const cart = await cartOf(deps, session);
    if (cart.lines.length === 0) return res.redirect(303, '/cart');
    const values = checkoutValues((name) => queryText(req, name));
    await renderCheckout(res, session!, cart, {
      values: { ...values, shipping: values.shipping || 'standard' },
    });
  });

  // The no-script way to re-price shipping: a POST (so the card typed so far never lands in a URL)
  // answered with the checkout page for the address, as a GET.
  router.post('/checkout/shipping', form, csrf, (req, res) => {
    requireUser(currentSession(res));
    const values = checkoutValues((name) => bodyText(req, name));
    const query = new URLSearchParams(Object.entries(values).filter(([, value]) => value !== ''));
    res.redirect(303, `/checkout?${query}`);
  });

  router.post('/checkout', form, csrf, async (req, res) => {
    const session = currentSession(res)!;
    requireUser(session);
    const cart = await cartOf(deps, session);
    if (cart.lines.length === 0) return res.redirect(303, '/cart');
    const values = checkoutValues((name) => bodyText(req, name));
    // A country the form does not offer is refused, never quietly replaced by the default.
    const country = bodyText(req, 'country').trim().toUpperCase();
    const offered = (countryCodes as readonly string[]).includes(country);
    const input = ApiCheckoutRequest.safeParse({
      address: {
        name: values.name,
        line1: values.line1,
        city: values.city,
        postalCode: values.postalCode,
        country: offered ? country : undefined,
      },
      shipping: values.shipping === '' ? undefined : values.shipping,
      card: {
        number: bodyText(req, 'cardNumber').replace(/[\s-]/g, ''),
        expMonth: toInt(bodyText(req, 'expMonth')),
        expYear: toYear(bodyText(req, 'expYear')),
        cvc: bodyText(req, 'cvc').trim(),
      },
    });
    if (!input.success) {
      const errors = formErrors(toFieldIssues(input.error), checkoutFields);
      return renderCheckout(res, session, cart, { values, errors, status: 400 });
    }
    const givenKey = IdempotencyKey.safeParse(bodyText(req, 'idempotencyKey'));
    const idempotencyKey = givenKey.success ? givenKey.data : randomUUID();
    let order: Awaited<ReturnType<typeof checkout>>;
    try {
      order = await checkout(deps, session, idempotencyKey, input.data);
    } catch (error) {
      const status = statusOf(error);
      if (!(error instanceof AppError) || (status !== 400 && status !== 409 && status !== 422)) throw error;
      const errors = formErrors(detailsOf(error), checkoutFields);
      if (errors.summary.length === 0) errors.summary.push({ message: `${error.message}.` });
      return renderCheckout(res, session, cart, { values, errors, status: error.status });
    }
    if (order.status === 'failed') {
      // The cart is kept (billing released what it had reserved); the card is not written back.
      const kept = await cartOf(deps, session);
      return renderCheckout(res, session, kept, { values, failure: failureText(order.reason) });
    }
    res.redirect(303, orderPath(order.id));
  });
}
