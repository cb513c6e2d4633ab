import type { AlertKind } from './alerts.schemas.js';

/** A stored firing, as the rest of the app hears of it. */
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

declare module '../events.js' {
  interface DomainEvents {
    /** A firing is stored (with its notification and outbox rows): tell open streams, wake the delivery loop. */
    'alert.fired': { userId: string; firing: AlertFiring };
  }
}
