// What the page routes read from a request: form fields and query parameters as text, numbers
// as the contracts' integer fields want them, the field issues of a refusal, and where to go after
// logging in. Forms post urlencoded bodies, so every value arrives as a string (or not at all).
import { FieldIssue } from '@trio/contracts/common';
import { AppError } from '@trio/service-runtime/errors';
import type { Request } from 'express';
import { z } from 'zod';

/** Where to go after logging in: only a path on this shop ("/…", never "//…" or "/\…"). */
export function safeNext(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 1000) return undefined;
  return /^\/(?![/\\])[\x21-\x5b\x5d-\x7e]*$/.test(value) ? value : undefined;
}

export function loginPath(next: string | undefined): string {
  return next === undefined ? '/login' : `/login?next=${encodeURIComponent(next)}`;
}

/** A form field as text: urlencoded bodies hold strings (or arrays, for repeated names). */
export function bodyText(req: Request, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

export function queryText(req: Request, name: string): string {
  const value = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}

/** Digits become a number for the contracts' integer fields; anything else is left for them to refuse. */
export function toInt(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return /^[0-9]{1,9}$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/** "29" means 2029 on a card. */
export function toYear(text: string): unknown {
  const year = toInt(text);
  return typeof year === 'number' && text.trim().length === 2 ? 2000 + year : year;
}

export function statusOf(error: unknown): number | undefined {
  return error instanceof AppError ? error.status : undefined;
}

export function detailsOf(error: AppError): FieldIssue[] {
  const parsed = z.array(FieldIssue).safeParse(error.details);
  return parsed.success ? parsed.data : [];
}
