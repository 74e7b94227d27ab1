// The REST route of `shippingRoutes` (@trio/contracts/shipping): the quote, answered by the same use
// case as the ZeroRPC method. The runtime has checked the caller's identity token before this runs,
// and maps the use case's errors (unsupported_destination → 422) as for any route.
import { shippingRoutes } from '@trio/contracts/shipping';
import { validate } from '@trio/service-runtime/validate';
import type { Express } from 'express';
import { quote } from '../../domain/rates.ts';

export function shippingHttpRoutes(app: Express): void {
  app.post(shippingRoutes.quote.path, validate({ body: shippingRoutes.quote.body }), (req, res) => {
    res.json(quote(req.body.destination, req.body.parcels));
  });
}
