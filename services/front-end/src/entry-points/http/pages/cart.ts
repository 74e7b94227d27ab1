// The cart's pages: the cart itself and its forms (add from a product page, change a quantity,
// remove a line). A refused quantity re-renders the page it came from with the error beside it.
import { Sku, toFieldIssues } from '@trio/contracts/common';
import { ApiCartLineInput, ApiCartLineUpdate } from '@trio/contracts/front-end';
import { AppError } from '@trio/service-runtime/errors';
import type { Router } from 'express';
import { addToCart, cartOf, removeCartLine, updateCartLine } from '../../../domain/cart.ts';
import { cartLineId, cartPage } from '../../../views/cart.ts';
import { formErrors } from '../../../views/forms.ts';
import { currentSession, ensureSession } from '../session.ts';
import { renderProduct } from './catalog.ts';
import { bodyText, safeNext, toInt } from './form-input.ts';
import type { PageKit } from './kit.ts';

const quantityMessage = 'Enter a quantity from 1 to 99.';

export function cartPages(router: Router, kit: PageKit): void {
  const { deps, cookie, send, form, csrf } = kit;

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
      return renderProduct(kit, res, sku.data, { qty: qtyText, errors, status: 400 });
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
}
