// Cursor pagination for list routes (`GET /api/sessions?limit=&cursor=`). Keyset, not offset:
// a row created or deleted between two pages neither repeats nor skips one. The cursor is opaque
// to clients (base64url of the last row's sort key) so the order can change without breaking them.
import { HttpError } from './errors.js';

/** Default page size: a dashboard's first screen; clients ask for up to `MAX_PAGE_SIZE`. */
export const DEFAULT_PAGE_SIZE = 100;
/** The most rows one request returns, so one call never serialises a whole tenant. */
export const MAX_PAGE_SIZE = 500;

export interface PageRequest {
  limit: number;
  /** The sort key after which the page starts; null for the first page. */
  after: string | null;
}

export interface Page<T> {
  items: T[];
  /** Pass as `?cursor=` for the next page; null on the last page. */
  nextCursor: string | null;
}

const encodeCursor = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');

/** Reads `limit` and `cursor` from a query object; a bad one is a 400 naming it. */
export function parsePageQuery(query: Record<string, unknown>): PageRequest {
  const { limit: rawLimit, cursor: rawCursor } = query;
  let limit = DEFAULT_PAGE_SIZE;
  if (rawLimit !== undefined) {
    if (typeof rawLimit !== 'string' || !/^\d{1,4}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_PAGE_SIZE) {
      throw new HttpError(400, 'VALIDATION_FAILED', `limit: must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
    }
    limit = Number(rawLimit);
  }
  let after: string | null = null;
  if (rawCursor !== undefined) {
    const decoded = typeof rawCursor === 'string' && /^[A-Za-z0-9_-]{1,400}$/.test(rawCursor) ? Buffer.from(rawCursor, 'base64url').toString('utf8') : '';
    // Round-trips exactly, or it was not made by `encodeCursor`.
    if (decoded === '' || encodeCursor(decoded) !== rawCursor) {
      throw new HttpError(400, 'VALIDATION_FAILED', 'cursor: not a cursor from this API; pass nextCursor from the previous page');
    }
    after = decoded;
  }
  return { limit, after };
}

/**
 * One page of `items` in the order of `keyOf` (a unique, sortable string per row). The whole list
 * is still read: the async Store should take `{ after, limit }` and push this into its query.
 */
export function paginate<T>(items: readonly T[], keyOf: (item: T) => string, page: PageRequest): Page<T> {
  const sorted = items.map((item) => ({ item, key: keyOf(item) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const start = page.after === null ? 0 : sorted.findIndex((row) => row.key > page.after!);
  const rest = start === -1 ? [] : sorted.slice(start);
  const slice = rest.slice(0, page.limit);
  const more = rest.length > page.limit;
  return { items: slice.map((row) => row.item), nextCursor: more ? encodeCursor(slice.at(-1)!.key) : null };
}
