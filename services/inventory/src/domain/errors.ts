// The errors the inventory's use cases throw on purpose. The RPC server answers each with the
// PascalCase of its code, the name the contract gives it (`out_of_stock` → `OutOfStock`).
import { AppError } from '@trio/service-runtime/errors';

export function outOfStock(skus: readonly string[]): AppError {
  return new AppError('out_of_stock', `Not enough stock of ${skus.join(', ')}; nothing was reserved`, {
    status: 409,
    details: { skus },
  });
}

/** Not in the contract yet: an order id reused for other lines is a caller's bug, not a retry. */
export function reservationConflict(orderId: string): AppError {
  return new AppError(
    'reservation_conflict',
    `Order ${orderId} already holds a reservation of other lines; use a new order id`,
    { status: 409 },
  );
}

export function reservationNotFound(orderId: string, reason?: 'released'): AppError {
  const message =
    reason === 'released'
      ? `The reservation of order ${orderId} was released; there is nothing to commit`
      : `No reservation for order ${orderId}`;
  return new AppError('not_found', message, { status: 404 });
}

export function reservationExpired(orderId: string): AppError {
  return new AppError(
    'reservation_expired',
    `The reservation of order ${orderId} lapsed and its stock went back on sale`,
    { status: 410 },
  );
}
