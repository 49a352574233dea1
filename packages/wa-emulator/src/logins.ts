// Counts logins per linked device and how often a device logged in while another socket of it
// was still logged in: WhatsApp then replaces the older one (440 conflict), and a server cluster
// that ever causes it ran one device on two instances at once. `GET /phone/logins` serves it.
import type { Edge } from './edge.js';

export interface LoginStats {
  /** Every successful login. */
  logins: number;
  /** Logins that found another live socket of the same device (each one replaced it). */
  concurrent: number;
  /** Per device jid: logins and concurrent ones. */
  devices: Record<string, { logins: number; concurrent: number }>;
}

export class LoginWatch {
  readonly #stats: LoginStats = { logins: 0, concurrent: 0, devices: {} };

  constructor(edge: Edge) {
    edge.on('login', ({ jid, replaced }: { jid: string; replaced: boolean }) => {
      const device = (this.#stats.devices[jid] ??= { logins: 0, concurrent: 0 });
      this.#stats.logins++;
      device.logins++;
      if (replaced) {
        this.#stats.concurrent++;
        device.concurrent++;
      }
    });
  }

  stats(): LoginStats {
    return structuredClone(this.#stats);
  }
}
