/**
 * An alert firing as the channels deliver it. The alerts domain stores firings and says what they
 * are (`alerts/alert-events.ts` narrows `kind` to its kinds); delivery only carries them.
 */
export interface DeliveredFiring {
  /** The firing's id: the webhook-id of every delivery of it, the same across retries. */
  id: string;
  alertId: string;
  /** Null for an alert on the whole portfolio. */
  symbol: string | null;
  kind: string;
  threshold: number;
  price: number;
  firedAt: Date;
  message: string;
  simulated: boolean;
}
