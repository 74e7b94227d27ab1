// Building blocks for query-string schemas. A query string only carries text, so numbers are
// converted; an empty value (`?page=` as forms and the issue's own examples send it) means "not
// given"; and query objects are strict so that a misspelt parameter is a 400, not ignored.
import { z } from 'zod';

const blankToUndefined = (value: unknown) => (value === '' ? undefined : value);

/** A query parameter: blank counts as absent; `schema` decides whether absent is allowed. */
export function queryParam<T extends z.ZodType>(schema: T) {
  return z.preprocess(blankToUndefined, schema);
}

// Not z.coerce: it turns null and arrays into numbers too, and then documents the parameter as
// nullable. Only text that is not blank is converted; anything else fails the integer check.
const textToNumber = (value: unknown) =>
  typeof value === 'string' && value.trim() !== '' ? Number(value) : value;

/** A whole number parsed from text, with messages that say what was expected. */
export function queryInt(min: number, max: number) {
  return z.preprocess(
    textToNumber,
    z.int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`),
  );
}

/** `page` and `pageSize` with defaults; shared by every paginated list. */
export function pagination(defaultPageSize: number, maxPageSize = 100) {
  return {
    page: queryParam(queryInt(1, 10_000).default(1)).describe('1-based page number'),
    pageSize: queryParam(queryInt(1, maxPageSize).default(defaultPageSize)).describe('Items per page'),
  };
}

/** A strict query object: unknown parameters are rejected by name. */
export function queryObject<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape);
}
