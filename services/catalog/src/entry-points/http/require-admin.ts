// Guards the admin routes: `Authorization: Bearer <CATALOG_ADMIN_TOKEN>`, or 401.
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '@trio/service-runtime/errors';
import type { RequestHandler } from 'express';

// Comparing fixed-length digests in constant time reveals neither the token nor its length.
const digest = (text: string) => createHash('sha256').update(text).digest();

export function requireAdmin(adminToken: string): RequestHandler {
  const expected = digest(adminToken);
  return (req, res, next) => {
    const [scheme, token] = (req.get('authorization') ?? '').split(' ');
    if (scheme?.toLowerCase() === 'bearer' && token && timingSafeEqual(digest(token), expected)) {
      next();
      return;
    }
    res.set('www-authenticate', 'Bearer realm="catalog admin"');
    throw new AppError('unauthorized', 'An admin token is required', { status: 401 });
  };
}
