// WhatsApp lets one phone link 4 companion devices; the phone refuses a fifth before anything
// reaches the companion. Both engines with a virtual phone report it the same way: the scan
// answers 409, and the session that showed the QR fails with COMPANION_LIMIT (not LOGGED_OUT:
// its credentials were never issued, and nothing is wrong with the session itself).
import { randomInt } from 'node:crypto';
import { EngineError } from '../errors.js';
import type { EngineEvent } from './engine.js';

export const MAX_COMPANIONS = 4;

export const COMPANION_LIMIT_MESSAGE = `This phone already has ${MAX_COMPANIONS} linked devices; unlink one on the phone first.`;

export const COMPANION_LIMIT_FAILURE: Omit<Extract<EngineEvent, { type: 'disconnected' }>, 'type' | 'key' | 'reconnecting'> = {
  reason: 'FAILED',
  code: 'COMPANION_LIMIT',
  message: COMPANION_LIMIT_MESSAGE,
  // A new QR works once the user frees a slot on the phone.
  retryable: true,
};

export const companionLimitError = (): EngineError => new EngineError('COMPANION_LIMIT', COMPANION_LIMIT_MESSAGE);

/**
 * A phone number nobody else uses, for a virtual-phone scan that names none: a phone per
 * session, as in life (one shared phone would hit the companion limit at the fifth session).
 */
export const freshPhoneNumber = (): string => `1555${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
