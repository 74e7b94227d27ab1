// The errors payment's use cases throw on purpose; the runtime maps them to HTTP answers.
// ErrorCode in the contracts has no code per invalid transition: the code is `conflict` and the
// message names the payment's status and what the operation needs.
import type { PaymentStatus } from '@trio/contracts/payment';
import { AppError } from '@trio/service-runtime/errors';

export function paymentNotFound(id: string): AppError {
  return new AppError('not_found', `No payment has id ${id}`, { status: 404 });
}

export function invalidTransition(operation: string, status: PaymentStatus, needs: string): AppError {
  return new AppError('conflict', `Cannot ${operation} a payment that is ${status}; it must be ${needs}`, {
    status: 409,
  });
}

// Unknown, or stored for someone else: one answer for both, so that holding a leaked or guessed
// token teaches nothing about whether it is live.
export function cardNotFound(): AppError {
  return new AppError('not_found', 'No card of this owner has this token', { status: 404 });
}

export const noCardOfTheOwner = 'no card of this owner has this token';

/** Shaped like the runtime's validation errors, as a client fixes it the same way. */
export function invalidField(path: string, message: string): AppError {
  return new AppError('validation_failed', 'Request validation failed', {
    status: 400,
    details: [{ location: 'body', path, message }],
  });
}
