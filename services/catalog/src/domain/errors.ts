// The errors the catalog's use cases throw on purpose; the runtime maps them to HTTP answers.
import { AppError } from '@trio/service-runtime/errors';

export function productNotFound(sku: string): AppError {
  return new AppError('not_found', `No product has sku ${sku}`, { status: 404 });
}

export function skuTaken(sku: string): AppError {
  return new AppError('conflict', `A product with sku ${sku} exists already`, { status: 409 });
}

/** Shaped like the runtime's validation errors, as a client fixes it the same way. */
export function unknownCategory(slug: string): AppError {
  return new AppError('validation_failed', 'Request validation failed', {
    status: 400,
    details: [{ location: 'body', path: 'category', message: `there is no category "${slug}"` }],
  });
}
