import { randomBytes } from 'node:crypto';

/** A short name unique to this process and call, safe as a PostgreSQL identifier and a key prefix. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}
