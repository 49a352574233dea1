// A tiny assert for browser tests (no chai in the workspace): each failure names what differed.
const show = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value));

interface Assert {
  ok(value: unknown, message?: string): asserts value;
  equal<T>(actual: T, expected: T, message?: string): void;
  deepEqual(actual: unknown, expected: unknown, message?: string): void;
  includes(haystack: string | null | undefined, needle: string, message?: string): void;
}

export const assert: Assert = {
  ok(value: unknown, message = 'expected a truthy value'): asserts value {
    if (!value) throw new Error(`${message} (got ${show(value)})`);
  },
  equal<T>(actual: T, expected: T, message = ''): void {
    if (actual !== expected) throw new Error(`${message ? message + ': ' : ''}expected ${show(expected)}, got ${show(actual)}`);
  },
  deepEqual(actual: unknown, expected: unknown, message = ''): void {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      throw new Error(`${message ? message + ': ' : ''}expected ${show(expected)}, got ${show(actual)}`);
    }
  },
  includes(haystack: string | null | undefined, needle: string, message = ''): void {
    if (!haystack?.includes(needle)) throw new Error(`${message ? message + ': ' : ''}expected ${show(haystack)} to include ${show(needle)}`);
  },
};
