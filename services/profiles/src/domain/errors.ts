// The errors profiles' use cases throw on purpose; the runtime maps them to HTTP answers.
import { AppError } from '@trio/service-runtime/errors';

/** Also the answer for another user's data: its existence is none of the caller's business. */
export function notFound(what: string): AppError {
  return new AppError('not_found', `No ${what} with that id`, { status: 404 });
}

/** One answer for an unknown email and a wrong password, so neither reveals which accounts exist. */
export function invalidCredentials(): AppError {
  return new AppError('unauthorized', 'The email or the password is wrong', { status: 401 });
}

/** One answer for a missing, malformed, forged, expired or revoked token. */
export function invalidSession(): AppError {
  return new AppError('unauthorized', 'A valid session token is required', { status: 401 });
}

export function emailTaken(): AppError {
  return new AppError('conflict', 'An account with this email already exists', { status: 409 });
}

/** A limit was reached; how long to wait goes out as `Retry-After`. */
export class TooManyAttempts extends AppError {
  constructor(message: string, retryAfterSeconds: number) {
    super('rate_limited', `${message}; try again in ${retryAfterSeconds} s`, {
      status: 429,
      retryAfterSeconds,
    });
  }
}
