// The shared LinkingEngine contract, run against the real BaileysEngine with baileys' socket
// replaced by a fake WhatsApp (the socket itself is proven offline in real-socket.test.ts).
import pino from 'pino';
import { runEngineContract } from '../test-support/engine-contract.js';
import { BaileysEngine } from './engine.js';
import { FakeWhatsApp } from './test-support/fake-whatsapp.js';

runEngineContract('baileys (fake socket)', (store) => {
  const whatsapp = new FakeWhatsApp();
  const engine = new BaileysEngine({
    store,
    logger: pino({ level: 'silent' }),
    makeSocket: whatsapp.makeSocket,
    virtualPhone: whatsapp.phone,
    fetchVersion: async () => [2, 3000, 1043857760],
  });
  whatsapp.watch(engine);
  return engine;
});
