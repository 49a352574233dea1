// Cluster mode's lease and fencing contract, run against each store like `runStoreContract`:
// one owner at a time, the epoch grows only when the owner changes, and a write fenced with a
// stale epoch is refused and changes nothing.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StaleLeaseError } from '../leases.js';
import type { LeaseFence, Store } from '../types.js';
import { type StoreHarness, widgetSession } from './store-contract.js';

const KEY = { tenantId: 'acme', sessionName: 'main' };
const TTL = 5_000;

export function runLeaseContract(name: string, open: () => Promise<StoreHarness>, options: { skip?: string } = {}): void {
  describe(`Lease contract: ${name}`, { skip: options.skip }, () => {
    let h: StoreHarness;
    let store: Store;
    beforeEach(async () => {
      h = await open();
      store = h.store;
    });
    afterEach(() => h.destroy());

    test('one owner at a time; the epoch grows only when the owner changes', async () => {
      assert.deepEqual(await store.acquireLease(KEY, 'a', TTL, 1_000), { epoch: 1 });
      assert.equal(await store.acquireLease(KEY, 'b', TTL, 2_000), null, 'held by a until 6000');
      assert.deepEqual(await store.acquireLease(KEY, 'a', TTL, 3_000), { epoch: 1 }, 'already ours: same epoch, extended');
      assert.equal(await store.acquireLease(KEY, 'b', TTL, 7_999), null, 'extended to 8000');
      assert.deepEqual(await store.acquireLease(KEY, 'b', TTL, 8_000), { epoch: 2 }, 'expired: b takes it');
      const lease = await store.getLease(KEY);
      assert.deepEqual(lease, { key: KEY, owner: 'b', epoch: 2, acquiredAt: 8_000, expiresAt: 13_000 });
      assert.equal(await store.releaseLease(KEY, 'a'), false, 'only the holder releases');
      assert.equal(await store.releaseLease(KEY, 'b'), true);
      assert.deepEqual(await store.acquireLease(KEY, 'a', TTL, 9_000), { epoch: 3 }, 'released: free at once, new owner, new epoch');
      assert.deepEqual(await store.acquireLease({ tenantId: 'acme', sessionName: 'other' }, 'b', TTL, 9_000), { epoch: 1 });
      assert.deepEqual(
        (await store.listLeases()).map((l) => [l.key.sessionName, l.owner, l.epoch]),
        [['main', 'a', 3], ['other', 'b', 1]],
      );
    });

    test('renewLeases extends the unexpired leases of one owner and returns them', async () => {
      await store.acquireLease(KEY, 'a', TTL, 0);
      await store.acquireLease({ tenantId: 'acme', sessionName: 'late' }, 'a', 1_000, 0);
      await store.acquireLease({ tenantId: 'zeta', sessionName: 'x' }, 'b', TTL, 0);
      const renewed = await store.renewLeases('a', 2_000, TTL);
      assert.deepEqual(renewed.map((l) => [l.key.sessionName, l.expiresAt]), [['main', 7_000]], '"late" expired at 1000: lost, not renewed');
      assert.equal((await store.getLease({ tenantId: 'zeta', sessionName: 'x' }))?.expiresAt, TTL, "b's lease untouched");
      await store.releaseLease(KEY, 'a');
      assert.deepEqual(await store.renewLeases('a', 2_500, TTL), [], 'a released lease is not renewed');
    });

    test('a stale owner: its fenced writes are refused and change nothing; the new owner writes', async () => {
      await store.createWidgetSession(widgetSession({ id: 'ws_1' }), { generatedName: false });
      await store.acquireLease(KEY, 'a', TTL, 0);
      const fenceA: LeaseFence = { key: KEY, owner: 'a', epoch: 1 };
      await store.writeCreds(KEY, 'creds-a', fenceA);
      await store.writeKeys(KEY, [{ type: 'pre-key', id: '1', value: 'k-a' }], fenceA);
      await store.commitLinkChange({ waSession: { tenantId: 'acme', name: 'main', patch: { status: 'CONNECTED' } } }, fenceA);

      // a pauses past its lease; b takes over at epoch 2.
      assert.deepEqual(await store.acquireLease(KEY, 'b', TTL, TTL), { epoch: 2 });
      const fenceB: LeaseFence = { key: KEY, owner: 'b', epoch: 2 };
      const stale = (error: unknown) => error instanceof StaleLeaseError && error.current?.owner === 'b' && error.current.epoch === 2;
      await assert.rejects(store.writeCreds(KEY, 'creds-stale', fenceA), stale);
      await assert.rejects(store.writeKeys(KEY, [{ type: 'pre-key', id: '1', value: 'stale' }, { type: 'pre-key', id: '2', value: 'stale' }], fenceA), stale);
      await assert.rejects(store.deleteAuthState(KEY, fenceA), stale);
      await assert.rejects(
        store.commitLinkChange({ waSession: { tenantId: 'acme', name: 'main', patch: { status: 'DISCONNECTED', statusReason: 'FAILED' } }, widgetSessions: [{ id: 'ws_1', patch: { lastEventId: 99 } }] }, fenceA),
        stale,
      );
      // The same owner with an old epoch is stale too (it lost the lease and took it back).
      await assert.rejects(store.writeCreds(KEY, 'x', { ...fenceB, epoch: 1 }), StaleLeaseError);
      assert.equal(await store.readCreds(KEY), 'creds-a');
      assert.deepEqual([...(await store.readKeys(KEY, 'pre-key', ['1', '2']))], [['1', 'k-a']]);
      assert.equal((await store.getWaSession('acme', 'main'))?.status, 'CONNECTED');
      assert.equal((await store.getWidgetSession('ws_1'))?.lastEventId, 0);

      await store.writeCreds(KEY, 'creds-b', fenceB);
      await store.commitLinkChange({ widgetSessions: [{ id: 'ws_1', patch: { lastEventId: 5 } }] }, fenceB);
      assert.equal(await store.readCreds(KEY), 'creds-b');
      assert.equal((await store.getWidgetSession('ws_1'))?.lastEventId, 5);
      await store.deleteAuthState(KEY, fenceB);
      assert.equal(await store.hasAuthState(KEY), false);
    });

    test('a fence on a session that has no lease row is refused; unfenced writes are as before', async () => {
      await assert.rejects(store.writeCreds(KEY, 'x', { key: KEY, owner: 'a', epoch: 1 }), StaleLeaseError);
      assert.equal(await store.readCreds(KEY), null);
      await store.writeCreds(KEY, 'plain');
      assert.equal(await store.readCreds(KEY), 'plain');
    });

    test('a writer that never held the lease (epoch 0) is refused while another owner holds it, allowed once it has expired', async () => {
      const outsider = (now: number): LeaseFence => ({ key: KEY, owner: 'c', epoch: 0, now });
      await store.writeCreds(KEY, 'before any lease', outsider(0));
      await store.acquireLease(KEY, 'a', TTL, 1_000);
      await assert.rejects(store.writeCreds(KEY, 'x', outsider(2_000)), (e: unknown) => e instanceof StaleLeaseError && e.current?.owner === 'a');
      await assert.rejects(store.commitLinkChange({ waSession: { tenantId: 'acme', name: 'main', patch: { status: 'DISCONNECTED' } } }, outsider(2_000)), StaleLeaseError);
      await store.writeCreds(KEY, 'the holder itself', { key: KEY, owner: 'a', epoch: 0, now: 2_000 });
      await store.writeCreds(KEY, 'after expiry', outsider(1_000 + TTL));
      assert.equal(await store.readCreds(KEY), 'after expiry');
    });

    test('two owners racing for a free session: exactly one wins', async () => {
      const results = await Promise.all(['a', 'b', 'c', 'd'].map((owner) => store.acquireLease(KEY, owner, TTL, 100)));
      assert.equal(results.filter((r) => r !== null).length, 1);
      assert.equal((await store.getLease(KEY))?.epoch, 1);
    });
  });
}
