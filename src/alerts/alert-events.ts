import type { DeliveredFiring } from '../delivery/delivered-firing.js';
import type { AlertKind } from './alerts.schemas.js';

/** A stored firing, as the rest of the app hears of it. */
export interface AlertFiring extends DeliveredFiring {
  kind: AlertKind;
}

declare module '../events.js' {
  interface DomainEvents {
    /** A firing is stored (with its notification and outbox rows): tell open streams, wake the delivery loop. */
    'alert.fired': { userId: string; firing: AlertFiring };
  }
}
