import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Page, paginate, parsePageQuery } from './pagination.js';

const cursorOf = (key: string) => Buffer.from(key).toString('base64url');

test('parsePageQuery: defaults, bounds, and cursors only this API made', async () => {
  const CASES: [Record<string, unknown>, { limit: number; after: string | null } | RegExp][] = [
    [{}, { limit: DEFAULT_PAGE_SIZE, after: null }],
    [{ limit: '1' }, { limit: 1, after: null }],
    [{ limit: String(MAX_PAGE_SIZE) }, { limit: MAX_PAGE_SIZE, after: null }],
    [{ limit: '25', cursor: cursorOf('000:shop') }, { limit: 25, after: '000:shop' }],
    [{ limit: '0' }, /^limit: /],
    [{ limit: String(MAX_PAGE_SIZE + 1) }, /^limit: /],
    [{ limit: '-5' }, /^limit: /],
    [{ limit: '2.5' }, /^limit: /],
    [{ limit: 'ten' }, /^limit: /],
    [{ limit: ['1', '2'] }, /^limit: /],
    [{ cursor: '' }, /^cursor: /],
    [{ cursor: 'not base64!' }, /^cursor: /],
    [{ cursor: 'QQ==' }, /^cursor: /], // padded: not what encodeCursor makes
    [{ cursor: ['a', 'b'] }, /^cursor: /],
    [{ cursor: 'x'.repeat(401) }, /^cursor: /],
  ];
  for (const [query, expected] of CASES) {
    if (expected instanceof RegExp) {
      assert.throws(() => parsePageQuery(query), (e: { status: number; code: string; message: string }) => e.status === 400 && e.code === 'VALIDATION_FAILED' && expected.test(e.message), JSON.stringify(query));
    } else {
      assert.deepEqual(parsePageQuery(query), expected, JSON.stringify(query));
    }
  }
});

test('paginate walks every row once, in key order, and stops with a null cursor', async () => {
  const rows = ['e', 'a', 'd', 'b', 'c', 'g', 'f'];
  for (const limit of [1, 2, 3, 7, 8]) {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: Page<string> = paginate(rows, (r) => r, { limit, after });
      seen.push(...page.items);
      after = page.nextCursor === null ? null : Buffer.from(page.nextCursor, 'base64url').toString();
      pages++;
    } while (after !== null && pages < 20);
    assert.deepEqual(seen, ['a', 'b', 'c', 'd', 'e', 'f', 'g'], `limit ${limit}`);
    assert.equal(pages, Math.ceil(rows.length / limit), `limit ${limit}`);
  }
});

test('paginate: a row deleted or added before the cursor neither repeats nor skips a row', async () => {
  const first = paginate(['a', 'b', 'c', 'd'], (r) => r, { limit: 2, after: null });
  assert.deepEqual(first.items, ['a', 'b']);
  const after = Buffer.from(first.nextCursor!, 'base64url').toString();
  // "b" (the cursor's own row) was deleted and "0" was added meanwhile.
  assert.deepEqual(paginate(['0', 'a', 'c', 'd'], (r) => r, { limit: 2, after }), { items: ['c', 'd'], nextCursor: null });
});
