/**
 * `isWidgetMessage` from `@titan-connect/protocol`, condensed for the loader's 1.25 KB budget (the
 * shared one pulls its constants and long-hand checks into the bundle). `guard.test.ts` holds
 * both to the same table, so they cannot drift apart unnoticed.
 */
export const isMessage = (m: any): boolean =>
  m?.type === 'titan:widget' &&
  m.version === 1 &&
  typeof m.session == 'string' &&
  (m.event == 'resize'
    ? Number.isFinite(m.height) && m.height >= 0
    : m.event == 'error'
      ? typeof m.code == 'string' && typeof m.message == 'string'
      : m.event == 'connected'
        ? // `redirectUrl` is absent (undefined) or a string; `typeof` never names an Object.prototype key.
          typeof m.method == 'string' && typeof m.redirectUrl in { undefined: 1, string: 1 }
        : ['ready', 'status', 'expired', 'close'].includes(m.event));
