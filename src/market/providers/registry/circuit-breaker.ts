import type { Clock } from '../../../clock.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Failures in a row that open the breaker. */
  readonly failures: number;
  /** How long an open breaker refuses calls before it lets a single probe through. */
  readonly openMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = Object.freeze({ failures: 5, openMs: 30_000 });

/**
 * One source's circuit breaker. Closed: calls pass and failures in a row are counted; `failures` of
 * them open it. Open: calls are refused (the registry asks the next source at once instead of
 * waiting for a timeout) until `openMs` has passed; then one call, the probe, is let through
 * (half open): its success closes the breaker, its failure opens it again for another `openMs`.
 */
export class CircuitBreaker {
  private state: BreakerState = 'closed';
  private failuresInARow = 0;
  private openedAt = 0;
  private probing = false;
  private opens = 0;

  constructor(
    private readonly clock: Clock,
    private readonly options: BreakerOptions = DEFAULT_BREAKER,
  ) {}

  /** Whether a call may go out now; in half open, only the one probe may. */
  tryPass(): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (this.clock.now() - this.openedAt < this.options.openMs) return false;
      this.state = 'half_open';
      this.probing = false;
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  succeeded(): void {
    this.state = 'closed';
    this.failuresInARow = 0;
    this.probing = false;
  }

  failed(): void {
    this.failuresInARow += 1;
    if (this.state === 'half_open' || this.failuresInARow >= this.options.failures) {
      if (this.state !== 'open') this.opens += 1;
      this.state = 'open';
      this.openedAt = this.clock.now();
      this.probing = false;
    }
  }

  /**
   * A probe that ended without telling whether the source works (it did not know the symbol, or
   * the call was for something the plan lacks): the next call may probe again.
   */
  released(): void {
    this.probing = false;
  }

  status(): { state: BreakerState; failuresInARow: number; opens: number } {
    // An open breaker whose time is up reports half open, as the next call will find it.
    const state =
      this.state === 'open' && this.clock.now() - this.openedAt >= this.options.openMs
        ? 'half_open'
        : this.state;
    return { state, failuresInARow: this.failuresInARow, opens: this.opens };
  }
}
