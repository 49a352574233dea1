/** Time source of the app; tests inject a fake to move time (token expiry, QR rotation). */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
