import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Seconds left until a deadline, re-rendering the host once a second while it is connected
 * (the QR's and the pairing code's visible countdowns).
 */
export class CountdownController implements ReactiveController {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly deadline: () => string | null | undefined,
  ) {
    host.addController(this);
  }

  /** Whole seconds left (never negative); null without a deadline. */
  get seconds(): number | null {
    const at = this.deadline();
    if (!at) return null;
    const ms = Date.parse(at) - Date.now();
    return Number.isFinite(ms) ? Math.max(0, Math.ceil(ms / 1000)) : null;
  }

  hostConnected(): void {
    this.timer = setInterval(() => this.host.requestUpdate(), 1000);
  }

  hostDisconnected(): void {
    clearInterval(this.timer);
  }
}
