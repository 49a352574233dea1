// Answers to a logged-in companion's queries. Baileys waits for every iq by id, so every one
// gets an answer; the few it parses get the shape it expects, the rest an empty `result`.
import { getBinaryNodeChild, getBinaryNodeChildren, iqResult, node } from './binary.js';
import type { BinaryNode } from './binary.js';
import type { Account, Device } from './registry.js';
import type { EdgeSession } from './session.js';

export interface IqHost {
  companionLoggedOut(account: Account, device: Device): void;
  changed(): void;
  /** The companion's first pre-key upload (answered already): time for the phone's initial sync. */
  firstPreKeys(session: EdgeSession, login: { account: Account; device: Device }, upload: BinaryNode): void;
}

export const answerIq = async (
  session: EdgeSession,
  iq: BinaryNode,
  login: { account: Account; device: Device },
  host: IqHost,
): Promise<void> => {
  const { device } = login;
  const xmlns = iq.attrs.xmlns;
  if (xmlns === 'encrypt') {
    // Pre-key count: 0 makes Baileys upload its initial batch; after that it trusts the count.
    if (getBinaryNodeChild(iq, 'count')) {
      return session.send(iqResult(iq, [node('count', { value: String(device.preKeys) })]));
    }
    const list = getBinaryNodeChild(iq, 'list');
    if (iq.attrs.type === 'set' && list) {
      const first = device.preKeys === 0;
      device.preKeys += getBinaryNodeChildren(list, 'key').length;
      host.changed();
      await session.send(iqResult(iq));
      if (first) host.firstPreKeys(session, login, iq);
      return;
    }
    // Key-bundle digest: Baileys only checks that a <digest> comes back.
    if (getBinaryNodeChild(iq, 'digest')) return session.send(iqResult(iq, [node('digest', {})]));
  }
  if (xmlns === 'md' && getBinaryNodeChild(iq, 'remove-companion-device')) {
    host.companionLoggedOut(login.account, device);
    await session.send(iqResult(iq));
    return;
  }
  if (xmlns === 'w:sync:app:state') {
    // Every collection asked for, at its version, with nothing new: Baileys asks again until each
    // requested collection is answered, so an empty <sync> would loop forever.
    const asked = getBinaryNodeChildren(getBinaryNodeChild(iq, 'sync'), 'collection');
    return session.send(
      iqResult(iq, [node('sync', {}, asked.map((c) => node('collection', { name: c.attrs.name ?? '', version: c.attrs.version ?? '0' })))]),
    );
  }
  // Everything else (w:p ping, passive, props, blocklist, privacy, usync, app state, ...): the
  // empty answer, which Baileys reads as "nothing there".
  return session.send(iqResult(iq));
};
