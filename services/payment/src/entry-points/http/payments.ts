// The payment routes of the contract's table: check the Idempotency-Key, validate, run one use
// case inside the idempotent transaction, answer.
import { paymentRoutes } from '@trio/contracts/payment';
import { requireIdempotencyKey, validate } from '@trio/service-runtime/validate';
import type { Express, RequestHandler } from 'express';
import { createCard, getCard } from '../../domain/cards.ts';
import {
  authorize,
  capture,
  getPayment,
  type PaymentDeps,
  refund,
  voidPayment,
} from '../../domain/payments.ts';
import { errorAnswer, type IdempotencyDeps, idempotent } from './idempotent.ts';

const routes = paymentRoutes;

/** Capture and refund take an optional body; a request without one means "all of it". */
const bodyDefaultsToEmpty: RequestHandler = (req, _res, next) => {
  req.body ??= {};
  next();
};

export function paymentHttpRoutes(app: Express, deps: PaymentDeps & IdempotencyDeps): void {
  app.post(
    routes.createCard.path,
    requireIdempotencyKey,
    validate({ body: routes.createCard.body }),
    idempotent(deps, 'createCard', async (tx, req) => ({
      status: 201,
      body: await createCard(tx, req.body),
    })),
  );
  app.get(
    routes.getCard.path,
    validate({ params: routes.getCard.params, query: routes.getCard.query }),
    async (req, res) => {
      res.json(await getCard(deps.db, req.params.token, req.query.owner));
    },
  );
  app.post(
    routes.authorize.path,
    requireIdempotencyKey,
    validate({ body: routes.authorize.body }),
    idempotent(deps, 'authorize', async (tx, req) => {
      const result = await authorize(tx, deps, req.body);
      if (result.approved) return { status: 201, body: result.payment };
      return errorAnswer(402, result.code, result.message);
    }),
  );
  app.get(routes.getPayment.path, validate({ params: routes.getPayment.params }), async (req, res) => {
    res.json(await getPayment(deps.db, req.params.paymentId));
  });
  app.post(
    routes.capture.path,
    requireIdempotencyKey,
    bodyDefaultsToEmpty,
    validate({ params: routes.capture.params, body: routes.capture.body }),
    idempotent(deps, 'capture', async (tx, req) => ({
      status: 200,
      body: await capture(tx, req.params.paymentId, req.body),
    })),
  );
  app.post(
    routes.void.path,
    requireIdempotencyKey,
    validate({ params: routes.void.params }),
    idempotent(deps, 'void', async (tx, req) => ({
      status: 200,
      body: await voidPayment(tx, req.params.paymentId),
    })),
  );
  app.post(
    routes.refund.path,
    requireIdempotencyKey,
    bodyDefaultsToEmpty,
    validate({ params: routes.refund.params, body: routes.refund.body }),
    idempotent(deps, 'refund', async (tx, req) => ({
      status: 200,
      body: await refund(tx, req.params.paymentId, req.body),
    })),
  );
}
