// The errors shipping's use cases throw on purpose. The RPC server answers each with the
// PascalCase of its code, the name the contract gives it (`unsupported_destination` → `UnsupportedDestination`).
import { AppError } from '@trio/service-runtime/errors';

export function unsupportedDestination(country: string): AppError {
  return new AppError('unsupported_destination', `The shop does not ship to ${country}`, { status: 422 });
}

export function shipmentNotFound(shipmentId: string): AppError {
  return new AppError('not_found', `No shipment ${shipmentId}`, { status: 404 });
}
