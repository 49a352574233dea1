import type { Logger } from 'pino';
import type { EngineEvent, EngineListener } from './engine.js';

/** The subscribers of one engine: `subscribe` for the interface, `emit` for the engine itself. */
export class EngineListeners {
  private readonly listeners = new Set<EngineListener>();

  constructor(private readonly logger: Logger) {}

  subscribe(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  emit(event: EngineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        // One broken subscriber must not stop the others, nor the socket or timer that emitted.
        this.logger.error({ err, event: event.type }, 'engine listener threw');
      }
    }
  }
}
