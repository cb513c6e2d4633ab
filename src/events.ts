import { EventEmitter } from 'node:events';
import type { AlertKind } from './alerts/alerts.schemas.js';

/**
 * Domain events and their payloads: writes emit them; the stream, the market demand and history
 * backfill follow them.
 */
export interface DomainEvents {
  'watchlist.symbolAdded': { userId: string; symbol: string };
  'watchlist.symbolRemoved': { userId: string; symbol: string };
  /** A firing is stored (with its notification and outbox rows): tell open streams, wake the delivery loop. */
  'alert.fired': { userId: string; firing: AlertFiring };
}

export interface AlertFiring {
  /** The firing's id: also the webhook-id of its deliveries. */
  id: string;
  alertId: string;
  symbol: string;
  kind: AlertKind;
  threshold: number;
  price: number;
  firedAt: Date;
  message: string;
  simulated: boolean;
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
