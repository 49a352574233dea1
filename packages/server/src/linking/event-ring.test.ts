import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventRing } from './event-ring.js';
import type { SequencedEvent } from './index.js';
import { emptySnapshot, type LinkSnapshot } from './snapshot.js';

const failed = (id: number): SequencedEvent => ({ id, event: 'failed', data: { code: `E${id}`, message: '', retryable: true } });
/** The snapshot after event n is recognisable by its failure code. */
const after = (id: number): LinkSnapshot => ({ ...emptySnapshot(), phase: 'failed', failure: { code: `E${id}`, message: '', retryable: true } });

test('EventRing resumes at the asked id with the snapshot as of it, within its size', () => {
  const base = emptySnapshot();
  const ring = new EventRing(10, base, 4);
  for (let id = 11; id <= 16; id++) ring.push(failed(id), after(id));
  const current = { id: 16, snapshot: after(16) };
  // Kept: 13..16; the base is the snapshot after 12.
  const CASES: [number | null, number, string | null, number[]][] = [
    [null, 16, 'E16', []],
    [16, 16, 'E16', []],
    [14, 14, 'E14', [15, 16]],
    [12, 12, 'E12', [13, 14, 15, 16]],
    [11, 16, 'E16', []], // too old: current state only
    [10, 16, 'E16', []],
    [99, 16, 'E16', []], // from the future (another server): current state
  ];
  for (const [asked, id, code, events] of CASES) {
    const resume = ring.resume(asked, current);
    assert.equal(resume.id, id, `asked ${asked}`);
    assert.equal(resume.snapshot.failure?.code ?? null, code, `asked ${asked}`);
    assert.deepEqual(resume.events.map((e) => e.id), events, `asked ${asked}`);
  }
});

test('EventRing before any event resumes at its loaded id', () => {
  const loaded = emptySnapshot('CONNECTED');
  const ring = new EventRing(7, loaded);
  const resume = ring.resume(7, { id: 7, snapshot: loaded });
  assert.deepEqual([resume.id, resume.snapshot.status, resume.events.length], [7, 'CONNECTED', 0]);
});
