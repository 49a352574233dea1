// The port protocol on its own, over a MessageChannel: replies, errors that keep their class and
// code, values that cannot cross, and calls left waiting when the other side goes away.
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { test } from 'node:test';
import { EngineError } from '../../errors.js';
import { PortRpc } from './port-rpc.js';

const pair = (handlers: ConstructorParameters<typeof PortRpc>[1]) => {
  const { port1, port2 } = new MessageChannel();
  const near = new PortRpc(port1, {});
  new PortRpc(port2, handlers);
  return { near, close: () => (port1.close(), port2.close()) };
};

test('a call gets its value; a note runs without one', async () => {
  const seen: number[] = [];
  const { near, close } = pair({ add: (a: number, b: number) => a + b, remember: (n: number) => void seen.push(n) });
  try {
    assert.equal(await near.call('add', 2, 3), 5);
    near.notify('remember', 7);
    assert.equal(await near.call('add', 1, 1), 2);
    assert.deepEqual(seen, [7], 'the note ran before the later call was answered');
  } finally {
    close();
  }
});

test('an EngineError crosses with its class and code; another error with its message and code', async () => {
  const { near, close } = pair({
    engine: () => {
      throw new EngineError('SESSION_NOT_CONNECTED', 'Session "x" is not connected to WhatsApp.');
    },
    system: async () => {
      throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
    },
  });
  try {
    await assert.rejects(near.call('engine'), (err: unknown) => err instanceof EngineError && err.code === 'SESSION_NOT_CONNECTED' && err.message === 'Session "x" is not connected to WhatsApp.');
    await assert.rejects(near.call('system'), { message: 'disk full', code: 'ENOSPC' });
    await assert.rejects(near.call('nothing'), /no handler for "nothing"/);
  } finally {
    close();
  }
});

test('a value that cannot be cloned fails its call instead of leaving it waiting', async () => {
  const { near, close } = pair({ fn: () => () => 1 });
  try {
    await assert.rejects(near.call('fn'), { name: 'DataCloneError' });
    await assert.rejects(near.call('fn', () => 2), { name: 'DataCloneError' });
  } finally {
    close();
  }
});

test('close: waiting calls, and later ones, reject with the reason', async () => {
  const { near, close } = pair({ never: () => new Promise(() => {}) });
  try {
    const waiting = near.call('never');
    near.close(new EngineError('LINKING_FAILED', 'The WhatsApp engine thread stopped.'));
    await assert.rejects(waiting, { code: 'LINKING_FAILED' });
    await assert.rejects(near.call('never'), { code: 'LINKING_FAILED' });
  } finally {
    close();
  }
});
