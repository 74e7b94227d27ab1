// argon2id at OWASP's recommended minimum (Password Storage Cheat Sheet: 19 MiB, 2 passes, 1 lane)
// rather than the library's defaults (64 MiB, 3 passes): on two cores the defaults made every
// login and registration cost ~0.6 s under load, which a sale's crowd turned into timeouts, while
// the minimum still costs an attacker 19 MiB and two passes per guess. The parameters and salt are
// stored in each hash, so hashes made with other parameters still verify; raising them later only
// affects new hashes.
import argon2 from 'argon2';

export const passwordHashing = {
  type: argon2.argon2id,
  memoryCost: 19 * 1024,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, passwordHashing);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  return argon2.verify(hash, password);
}

/**
 * A hash of a random password, verified against when the email is unknown, so that an unknown
 * user costs the same time as a wrong password and the two cannot be told apart by timing.
 */
export function createDummyHash(): Promise<string> {
  return hashPassword(crypto.randomUUID());
}
