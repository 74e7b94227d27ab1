// How hard profiles makes guessing, and how much registering may cost one shopper (OWASP's
// authentication guidance): failed logins are counted per email and shopper address; after a
// few free failures each further attempt of that pair waits, the wait doubling with every failure
// up to a ceiling. Nobody else's failures touch a shopper's pair, so an attacker cannot lock an
// account out; a success clears the pair. One address failing across many emails (credential
// stuffing) is stopped by a per-address count; registrations, each an argon2 hash, are counted
// per address too.
import type { Redis } from '@trio/service-runtime/redis';
import {
  addressFailuresKey,
  failuresKey,
  forget,
  increment,
  read,
  readFailures,
  recordFailure,
  registrationsKey,
} from '../data-access/login-attempts.ts';
import { TooManyAttempts } from './errors.ts';

export interface LoginLimits {
  /** Failures of one email from one address that cost no wait. */
  freeFailures: number;
  /** The wait after the last free failure; each further failure doubles it… */
  baseDelaySeconds: number;
  /** …up to this. */
  maxDelaySeconds: number;
  /** Failures of any email from one address within `windowSeconds`. */
  failuresPerAddress: number;
  /** How long failures are remembered after the latest. */
  windowSeconds: number;
}

export interface RegistrationLimits {
  perAddress: number;
  windowSeconds: number;
}

/** The wait before the next attempt after `failures` failures: 0 while they are free. */
export function delayAfter(failures: number, limits: LoginLimits): number {
  if (failures < limits.freeFailures) return 0;
  const doublings = Math.min(failures - limits.freeFailures, 30);
  return Math.min(limits.maxDelaySeconds, limits.baseDelaySeconds * 2 ** doublings);
}

/** Throws TooManyAttempts when this email may not be tried from this address now. */
export async function checkLogin(
  redis: Redis,
  limits: LoginLimits,
  email: string,
  address: string,
  now = Date.now(),
): Promise<void> {
  const [own, fromAddress] = await Promise.all([
    readFailures(redis, failuresKey(email, address)),
    read(redis, addressFailuresKey(address)),
  ]);
  const waitUntil = own.lastAt + delayAfter(own.count, limits) * 1000;
  if (now < waitUntil) {
    throw new TooManyAttempts('Too many failed logins for this email', Math.ceil((waitUntil - now) / 1000));
  }
  if (fromAddress.count >= limits.failuresPerAddress) {
    throw new TooManyAttempts('Too many failed logins from your address', Math.max(1, fromAddress.resetsIn));
  }
}

export async function loginFailed(
  redis: Redis,
  limits: LoginLimits,
  email: string,
  address: string,
  now = Date.now(),
): Promise<void> {
  await Promise.all([
    recordFailure(redis, failuresKey(email, address), now, limits.windowSeconds),
    increment(redis, addressFailuresKey(address), limits.windowSeconds),
  ]);
}

/** A success forgets the pair's failures (not the address's: those were other emails). */
export async function loginSucceeded(redis: Redis, email: string, address: string): Promise<void> {
  await forget(redis, failuresKey(email, address));
}

/** Counts a registration from `address`; throws TooManyAttempts past the limit. */
export async function countRegistration(
  redis: Redis,
  limits: RegistrationLimits,
  address: string,
): Promise<void> {
  const counted = await increment(redis, registrationsKey(address), limits.windowSeconds);
  if (counted.count > limits.perAddress) {
    throw new TooManyAttempts('Too many registrations from your address', counted.resetsIn);
  }
}
