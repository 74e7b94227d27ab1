// The storefront's pages: server-rendered HTML that works without JavaScript. Forms post, the
// server answers with a redirect (Post/Redirect/Get) or re-renders the form with its errors.
// Every POST carries the session's CSRF token; form bodies are parsed here only (the JSON API has
// its own rules). Errors on these routes become HTML pages; the JSON API keeps its JSON errors.
import { randomUUID } from 'node:crypto';
import { CategorySlug } from '@trio/contracts/catalog';
import { FieldIssue, IdempotencyKey, InvoiceId, OrderId, Sku, toFieldIssues } from '@trio/contracts/common';
import {
  type ApiCart,
  ApiCartLineInput,
  ApiCartLineUpdate,
  ApiCheckoutRequest,
  ApiLoginRequest,
  ApiProductListQuery,
  ApiRegisterRequest,
} from '@trio/contracts/front-end';
import type { ShippingQuote } from '@trio/contracts/shipping';
import { getContext } from '@trio/service-runtime/context';
import { AppError } from '@trio/service-runtime/errors';
import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ShopSession } from '../../domain/sessions.ts';
import {
  addToCart,
  cartOf,
  cartOwner,
  checkout,
  getOrder,
  invoicePage,
  listCategories,
  listOrders,
  listProducts,
  logIn,
  logOut,
  productDetail,
  quoteShipping,
  register,
  removeCartLine,
  type ShopDeps,
  updateCartLine,
} from '../../domain/shop.ts';
import { accountPage, loginPage, registerPage } from '../../views/account.ts';
import { cartLineId, cartPage } from '../../views/cart.ts';
import { categoryFilters, homePage, listingPage, productPage } from '../../views/catalog.ts';
import { type CheckoutValues, checkoutPage, countryCodes, defaultCountry } from '../../views/checkout.ts';
import { errorPage } from '../../views/error.ts';
import { failureText } from '../../views/format.ts';
import { type FieldInfo, type FormErrors, formErrors, noErrors } from '../../views/forms.ts';
import type { SafeHtml } from '../../views/html.ts';
import { type Chrome, layout, siteName } from '../../views/layout.ts';
import { orderPage, orderPath, ordersPage } from '../../views/orders.ts';
import { type CookieSettings, clearSession, currentSession, ensureSession, useSession } from './session.ts';

/** billing's printable invoice has an inline <style> and no script: it gets a policy of its own. */
export const invoiceContentSecurityPolicy =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Shipping prices by country only (the postal code does not change a quote), but a quote request
 * must name one: until the shopper has typed theirs, the checkout quotes with this stand-in.
 */
export const quotePostalCodeStandIn = '00000';

/** Where to go after logging in: only a path on this shop ("/…", never "//…" or "/\…"). */
export function safeNext(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 1000) return undefined;
  return /^\/(?![/\\])[\x21-\x5b\x5d-\x7e]*$/.test(value) ? value : undefined;
}

function loginPath(next: string | undefined): string {
  return next === undefined ? '/login' : `/login?next=${encodeURIComponent(next)}`;
}

/** A form field as text: urlencoded bodies hold strings (or arrays, for repeated names). */
function bodyText(req: Request, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

function queryText(req: Request, name: string): string {
  const value = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}

/** Digits become a number for the contracts' integer fields; anything else is left for them to refuse. */
function toInt(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return /^[0-9]{1,9}$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/** "29" means 2029 on a card. */
function toYear(text: string): unknown {
  const year = toInt(text);
  return typeof year === 'number' && text.trim().length === 2 ? 2000 + year : year;
}

function requireUser(session: ShopSession | undefined): NonNullable<ShopSession['user']> {
  if (session?.user === undefined) throw new AppError('unauthorized', 'Log in first', { status: 401 });
  return session.user;
}

function statusOf(error: unknown): number | undefined {
  return error instanceof AppError ? error.status : undefined;
}

function detailsOf(error: AppError): FieldIssue[] {
  const parsed = z.array(FieldIssue).safeParse(error.details);
  return parsed.success ? parsed.data : [];
}

const quantityMessage = 'Enter a quantity from 1 to 99.';

const loginFields: Record<string, FieldInfo> = {
  email: { name: 'email', id: 'email', label: 'Email' },
  password: { name: 'password', id: 'password', label: 'Password' },
};

const registerFields: Record<string, FieldInfo> = {
  name: { name: 'name', id: 'name', label: 'Name' },
  ...loginFields,
};

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

interface PageOptions {
  title: string;
  main: SafeHtml;
  status?: number;
  /** The cart when the handler has it already (the header shows its count). */
  cart?: ApiCart;
  /** The search box's value. */
  q?: string;
}

export function pageRoutes(app: Express, deps: ShopDeps, cookie: CookieSettings): void {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '20kb' });

  const csrf: express.RequestHandler = (req, res, next) => {
    const token = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (!deps.sessions.checkCsrf(currentSession(res), token)) {
      throw new AppError('forbidden', 'The form was not sent from this shop, or it has expired', {
        status: 403,
      });
    }
    next();
  };

  /** The header's facts; a failing cart costs the header its count, never the page. */
  async function chromeFor(res: Response, options: { cart?: ApiCart; q?: string }): Promise<Chrome> {
    const session = currentSession(res);
    let cartCount = options.cart?.itemCount ?? 0;
    if (options.cart === undefined && session !== undefined) {
      try {
        cartCount = (await cartOf(deps, session)).itemCount;
      } catch {
        const lines = await deps.carts.lines(cartOwner(session)).catch(() => []);
        cartCount = lines.reduce((sum, line) => sum + line.qty, 0);
      }
    }
    return {
      user: session?.user,
      cartCount,
      csrf: session === undefined ? undefined : deps.sessions.csrfToken(session),
      q: options.q,
    };
  }

  async function send(res: Response, page: PageOptions): Promise<void> {
    const chrome = await chromeFor(res, page);
    res
      .status(page.status ?? 200)
      .type('html')
      .set('cache-control', 'no-store')
      .send(layout({ title: page.title, chrome, main: page.main }));
  }

  // Catalogue

  router.get('/', async (_req, res) => {
    const [categories, featured] = await Promise.all([listCategories(deps), listProducts(deps, { page: 1 })]);
    await send(res, { title: siteName, main: homePage(categories.items, featured) });
  });

  router.get('/c/:slug', async (req, res) => {
    const slug = CategorySlug.safeParse(req.params.slug);
    if (!slug.success) throw new AppError('not_found', 'There is no such category', { status: 404 });
    const query = ApiProductListQuery.safeParse({ category: slug.data, page: queryText(req, 'page') });
    if (!query.success)
      throw new AppError('validation_failed', 'That page number is not valid', { status: 400 });
    // Filters in whole currency units, as a shopper types them; catalog takes minor units.
    const filters = {
      min: queryText(req, 'min').trim(),
      max: queryText(req, 'max').trim(),
      sort: queryText(req, 'sort'),
    };
    const whole = (text: string) => (/^\d{1,7}$/.test(text) ? Number(text) * 100 : undefined);
    const minPrice = whole(filters.min);
    const maxPrice = whole(filters.max);
    let filterError: string | undefined;
    if ((filters.min !== '' && minPrice === undefined) || (filters.max !== '' && maxPrice === undefined)) {
      filterError = 'Prices are whole numbers, such as 20.';
    } else if (minPrice !== undefined && maxPrice !== undefined && minPrice > maxPrice) {
      filterError = 'The min price must not be above the max price.';
    }
    const sort = (['name', 'price_asc', 'price_desc', 'newest'] as const).find(
      (value) => value === filters.sort,
    );
    const [categories, list] = await Promise.all([
      listCategories(deps),
      listProducts(deps, {
        ...query.data,
        ...(filterError === undefined ? { minPrice, maxPrice } : {}),
        sort,
      }),
    ]);
    const category = categories.items.find((candidate) => candidate.slug === slug.data);
    if (category === undefined) throw new AppError('not_found', 'There is no such category', { status: 404 });
    const base = `/c/${encodeURIComponent(category.slug)}`;
    const kept = new URLSearchParams(
      Object.entries({ min: filters.min, max: filters.max, sort: sort ?? '' }).filter(
        ([, value]) => value !== '',
      ),
    );
    const href = (page: number) => {
      const params = new URLSearchParams(kept);
      if (page > 1) params.set('page', String(page));
      const text = params.toString();
      return text === '' ? base : `${base}?${text}`;
    };
    await send(res, {
      title: category.name,
      status: filterError === undefined ? 200 : 400,
      main: listingPage(
        category.name,
        list,
        href,
        categoryFilters(base, { ...filters, sort: sort ?? 'name' }, filterError),
      ),
    });
  });

  router.get('/search', async (req, res) => {
    const q = queryText(req, 'q').trim();
    if (q === '') return res.redirect(303, '/');
    const query = ApiProductListQuery.safeParse({ q, page: queryText(req, 'page') });
    if (!query.success) {
      throw new AppError('validation_failed', 'Search for at most 200 characters, on a page from 1', {
        status: 400,
      });
    }
    const list = await listProducts(deps, query.data);
    const base = `/search?q=${encodeURIComponent(q)}`;
    const title = `Results for “${q}”`;
    await send(res, {
      title,
      q,
      main: listingPage(title, list, (page) => (page === 1 ? base : `${base}&page=${page}`)),
    });
  });

  async function renderProduct(
    res: Response,
    sku: string,
    form: { qty: string; errors: FormErrors; status?: number },
  ): Promise<void> {
    const session = await ensureSession(res, deps.sessions, cookie);
    const detail = await productDetail(deps, sku);
    await send(res, {
      title: detail.product.name,
      status: form.status ?? 200,
      main: productPage(detail, {
        csrf: deps.sessions.csrfToken(session),
        qty: form.qty,
        errors: form.errors,
      }),
    });
  }

  router.get('/p/:sku', async (req, res) => {
    const sku = Sku.safeParse(req.params.sku);
    if (!sku.success) throw new AppError('not_found', 'There is no such product', { status: 404 });
    await renderProduct(res, sku.data, { qty: '1', errors: noErrors });
  });

  // Cart

  router.post('/cart/items', form, csrf, async (req, res) => {
    const session = currentSession(res)!;
    const qtyText = bodyText(req, 'qty');
    const input = ApiCartLineInput.safeParse({ sku: bodyText(req, 'sku'), qty: toInt(qtyText) });
    if (!input.success) {
      const sku = Sku.safeParse(bodyText(req, 'sku'));
      if (!sku.success) throw new AppError('not_found', 'There is no such product', { status: 404 });
      const errors = formErrors(toFieldIssues(input.error), {
        qty: { name: 'qty', id: 'qty', label: 'Quantity', message: quantityMessage },
      });
      return renderProduct(res, sku.data, { qty: qtyText, errors, status: 400 });
    }
    await addToCart(deps, session, input.data.sku, input.data.qty);
    res.redirect(303, safeNext(bodyText(req, 'next')) ?? '/cart');
  });

  router.post('/cart/items/:sku', form, csrf, async (req, res) => {
    const session = currentSession(res)!;
    const sku = Sku.safeParse(req.params.sku);
    if (!sku.success) throw new AppError('not_found', 'Your cart has no such line', { status: 404 });
    const qtyText = bodyText(req, 'qty');
    const input = ApiCartLineUpdate.safeParse({ qty: toInt(qtyText) });
    if (!input.success) {
      const cart = await cartOf(deps, session);
      const line = cart.lines.find((candidate) => candidate.sku === sku.data);
      if (line === undefined) throw new AppError('not_found', 'Your cart has no such line', { status: 404 });
      const errors = formErrors(toFieldIssues(input.error), {
        qty: {
          name: sku.data,
          id: `${cartLineId(sku.data)}-qty`,
          label: `Quantity for ${line.name}`,
          message: `Enter a quantity from 1 to 99 for ${line.name}.`,
        },
      });
      await send(res, {
        title: 'Your cart',
        status: 400,
        cart,
        main: cartPage(cart, {
          csrf: deps.sessions.csrfToken(session),
          errors,
          values: { [sku.data]: qtyText },
        }),
      });
      return;
    }
    await updateCartLine(deps, session, sku.data, input.data.qty);
    res.redirect(303, '/cart');
  });

  router.post('/cart/items/:sku/remove', form, csrf, async (req, res) => {
    const sku = Sku.safeParse(req.params.sku);
    if (!sku.success) throw new AppError('not_found', 'Your cart has no such line', { status: 404 });
    await removeCartLine(deps, currentSession(res)!, sku.data);
    res.redirect(303, '/cart');
  });

  router.get('/cart', async (_req, res) => {
    const session = await ensureSession(res, deps.sessions, cookie);
    const cart = await cartOf(deps, session);
    await send(res, {
      title: 'Your cart',
      cart,
      main: cartPage(cart, { csrf: deps.sessions.csrfToken(session) }),
    });
  });

  // Accounts

  async function renderAccountForm(
    res: Response,
    kind: 'login' | 'register',
    form: { next?: string | undefined; values?: { name?: string; email?: string }; errors?: FormErrors },
    status = 200,
  ): Promise<void> {
    const session = await ensureSession(res, deps.sessions, cookie);
    const view = { ...form, csrf: deps.sessions.csrfToken(session) };
    await send(res, {
      title: kind === 'login' ? 'Log in' : 'Create an account',
      status,
      main: kind === 'login' ? loginPage(view) : registerPage(view),
    });
  }

  /** Why profiles refused, as the form shows it; undefined for errors that are not the shopper's. */
  function accountFormErrors(error: unknown, fields: Record<string, FieldInfo>): FormErrors | undefined {
    if (!(error instanceof AppError)) return undefined;
    switch (error.status) {
      case 400: {
        const errors = formErrors(detailsOf(error), fields);
        return errors.summary.length > 0 ? errors : { fields: {}, summary: [{ message: error.message }] };
      }
      case 401:
        return { fields: {}, summary: [{ message: 'The email or password is not right.' }] };
      case 409: {
        const message = 'An account with this email already exists. Log in instead.';
        return { fields: { email: message }, summary: [{ target: 'email', message }] };
      }
      case 429:
        return {
          fields: {},
          summary: [{ message: 'Too many attempts. Wait a few minutes, then try again.' }],
        };
      default:
        return undefined;
    }
  }

  router.get('/login', async (req, res) => {
    const next = safeNext(queryText(req, 'next'));
    if (currentSession(res)?.user !== undefined) return res.redirect(303, next ?? '/account');
    await renderAccountForm(res, 'login', { next });
  });

  router.post('/login', form, csrf, async (req, res) => {
    const next = safeNext(bodyText(req, 'next'));
    const email = bodyText(req, 'email').trim();
    const input = ApiLoginRequest.safeParse({ email, password: bodyText(req, 'password') });
    if (!input.success) {
      const errors = formErrors(toFieldIssues(input.error), loginFields);
      return renderAccountForm(res, 'login', { next, values: { email }, errors }, 400);
    }
    try {
      const { session } = await logIn(deps, currentSession(res), input.data);
      useSession(res, session, cookie);
    } catch (error) {
      const errors = accountFormErrors(error, loginFields);
      if (errors === undefined) throw error;
      return renderAccountForm(res, 'login', { next, values: { email }, errors }, statusOf(error));
    }
    res.redirect(303, next ?? '/account');
  });

  router.get('/register', async (req, res) => {
    const next = safeNext(queryText(req, 'next'));
    if (currentSession(res)?.user !== undefined) return res.redirect(303, next ?? '/account');
    await renderAccountForm(res, 'register', { next });
  });

  router.post('/register', form, csrf, async (req, res) => {
    const next = safeNext(bodyText(req, 'next'));
    const values = { name: bodyText(req, 'name'), email: bodyText(req, 'email').trim() };
    const input = ApiRegisterRequest.safeParse({ ...values, password: bodyText(req, 'password') });
    if (!input.success) {
      const errors = formErrors(toFieldIssues(input.error), registerFields);
      return renderAccountForm(res, 'register', { next, values, errors }, 400);
    }
    try {
      const { session } = await register(deps, currentSession(res), input.data);
      useSession(res, session, cookie);
    } catch (error) {
      const errors = accountFormErrors(error, registerFields);
      if (errors === undefined) throw error;
      return renderAccountForm(res, 'register', { next, values, errors }, statusOf(error));
    }
    res.redirect(303, next ?? '/account');
  });

  router.post('/logout', form, csrf, async (_req, res) => {
    const session = currentSession(res);
    if (session !== undefined) await logOut(deps, session);
    clearSession(res, cookie);
    res.redirect(303, '/');
  });

  router.get('/account', async (_req, res) => {
    const user = requireUser(currentSession(res));
    await send(res, { title: 'Your account', main: accountPage(user) });
  });

  // Checkout

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

  // Orders and invoices

  router.get('/orders', async (_req, res) => {
    const orders = await listOrders(deps, currentSession(res));
    await send(res, { title: 'Your orders', main: ordersPage(orders) });
  });

  router.get('/orders/:id', async (req, res) => {
    requireUser(currentSession(res));
    const id = OrderId.safeParse(req.params.id);
    if (!id.success) throw new AppError('not_found', 'There is no such order', { status: 404 });
    const order = await getOrder(deps, currentSession(res), id.data);
    const titles = {
      confirmed: 'Order confirmed',
      pending: 'Order pending',
      failed: 'Order failed',
      cancelled: 'Order cancelled',
    };
    await send(res, { title: titles[order.status], main: orderPage(order) });
  });

  router.get('/invoices/:id', async (req, res) => {
    requireUser(currentSession(res));
    const id = InvoiceId.safeParse(req.params.id);
    if (!id.success) throw new AppError('not_found', 'There is no such invoice', { status: 404 });
    const page = await invoicePage(deps, currentSession(res), id.data);
    res
      .set('content-security-policy', invoiceContentSecurityPolicy)
      .set('cache-control', 'no-store')
      .type('html')
      .send(page);
  });

  // Any other address outside the JSON API is a page that does not exist.
  router.use((req, _res, next) => {
    if (req.path === '/api' || req.path.startsWith('/api/')) return next();
    throw new AppError('not_found', 'We could not find the page you were looking for', { status: 404 });
  });

  router.use(pageErrors(deps, send));
  app.use(router);
}

const errorTitles: Record<number, string> = {
  400: 'That request did not work',
  403: 'This form has expired',
  404: 'Page not found',
  409: 'That did not work',
  413: 'That was too much',
  422: 'That did not work',
  429: 'Too many requests',
  503: 'Service unavailable',
};

/**
 * The page routes' errors as pages: not logged in → the login page, coming back afterwards; a 4xx
 * with its own message; a 5xx with a plain sentence and the request id (logged, never shown).
 */
function pageErrors(
  deps: ShopDeps,
  send: (res: Response, page: PageOptions) => Promise<void>,
): ErrorRequestHandler {
  return async (error: unknown, req, res, next) => {
    if (res.headersSent || (error instanceof AppError && error.catastrophic)) return next(error);
    const status = httpStatusOf(error);
    if (status === 401) {
      // A form that needs a login lives on the checkout page; any page asked for is that page.
      const back = req.method === 'GET' || req.method === 'HEAD' ? req.originalUrl : '/checkout';
      return res.redirect(303, loginPath(safeNext(back)));
    }
    res.locals.errorCode =
      error instanceof AppError ? error.code : status >= 500 ? 'internal_error' : 'bad_request';
    if (status >= 500) deps.log.error({ err: error }, 'page request failed');
    const requestId = getContext()?.requestId;
    const title = errorTitles[status] ?? (status >= 500 ? 'Something went wrong' : 'That did not work');
    let message: string;
    if (status === 503)
      message = 'Part of the shop is not answering right now. Please try again in a moment.';
    else if (status >= 500) message = 'Something went wrong on our side. Please try again.';
    else if (status === 403)
      message =
        'This form has expired or did not come from this shop. Go back, reload the page and try again.';
    else if (error instanceof AppError) message = `${error.message.replace(/[.!?]?$/, '.')}`;
    else message = 'The request could not be understood.';
    try {
      await send(res, { title, status, main: errorPage({ title, message, requestId }) });
    } catch (renderError) {
      deps.log.error({ err: renderError }, 'error page could not be rendered');
      res.status(status).type('text/plain').send(`${title}. ${message}`);
    }
  };
}

/** AppError's own status; the HTTP machinery's 4xx (body too large, bad encoding); else 500. */
function httpStatusOf(error: unknown): number {
  if (error instanceof AppError) return error.code === 'unavailable' ? 503 : error.status;
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}
