// Admission control for socket starts. Bringing a socket up (Noise handshake, certificate
// checks, creds, and for a new link the first login with its pre-key upload and initial sync)
// is the CPU-heavy part of a link; a socket showing a QR or open costs almost nothing. With
// every start at once, a burst of 200 links makes each of them, and every API call in between,
// wait behind all the others. Here at most `limit` sockets are coming up at a time; the rest
// wait their turn, first come first served, and each one is quick once it runs.
export class AdmissionGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError('AdmissionGate limit must be >= 1');
  }

  /** Resolves with the release function once a slot is free; releasing twice is harmless. */
  async acquire(): Promise<() => void> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next in line
      else this.running--;
    };
  }

  get queued(): number {
    return this.waiting.length;
  }

  get active(): number {
    return this.running;
  }
}
