import { EventEmitter } from 'node:events';

/**
 * Domain events and their payloads: writes emit them; the stream, the market demand and history
 * backfill follow them. A domain above this file adds its own events by augmenting this interface
 * (`declare module '../events.js'`), so this file imports no domain.
 */
export interface DomainEvents {
  'watchlist.symbolAdded': { userId: string; symbol: string };
  'watchlist.symbolRemoved': { userId: string; symbol: string };
}

export class DomainEventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open stream registry is normal; the default cap of 10 would warn for nothing.
    this.emitter.setMaxListeners(0);
  }

  emit<K extends keyof DomainEvents>(name: K, payload: DomainEvents[K]): void {
    this.emitter.emit(name, payload);
  }

  on<K extends keyof DomainEvents>(name: K, listener: (payload: DomainEvents[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}
