// Admission control for socket starts. Bringing a socket up (Noise handshake, certificate
// checks, creds, and for a new link the first login with its pre-key upload) is the CPU-heavy
// part of a link; a socket showing a QR or open costs almost nothing. With every start at once,
// a burst of 200 links makes each of them, and every API call in between, wait behind all the
// others. Here at most `limit` sockets are coming up at a time; the rest wait their turn.
//
// Two lines, each first come first served: a `login` (creds already registered: the socket
// right after a scan, or a linked number reconnecting) goes before any new `link` waiting for
// its first QR. A scanned user is watching the widget for "connected" and WhatsApp expects the
// login within seconds; a new link has nothing on screen yet but "Generating the QR code…".
// With one line, logins queued behind the QR sockets of later links and ran past three minutes.
import type { AdmissionState } from '../engine.js';

export type AdmissionKind = 'login' | 'link';

/** Where a socket asks for its turn: a gate here, or (on a session thread) the main thread's gate. */
export interface Admission {
  /** Resolves with the release function once a slot is free; releasing twice is harmless. */
  acquire(kind: AdmissionKind): Promise<() => void>;
}

export class AdmissionGate implements Admission {
  private running = 0;
  private readonly lines: Record<AdmissionKind, Array<() => void>> = { login: [], link: [] };

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('AdmissionGate limit must be a whole number >= 1');
  }

  async acquire(kind: AdmissionKind): Promise<() => void> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((admit) => this.lines[kind].push(admit));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.lines.login.shift() ?? this.lines.link.shift();
      if (!next) {
        this.running--;
        return;
      }
      next(); // the slot passes straight to the next in line
    };
  }

  get queued(): number {
    return this.lines.login.length + this.lines.link.length;
  }

  get active(): number {
    return this.running;
  }

  /** The gate at a glance (`LinkingEngine.admissionState`). */
  get state(): AdmissionState {
    return { limit: this.limit, active: this.running, queued: this.queued };
  }
}
