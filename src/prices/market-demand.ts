/**
 * Why a symbol is wanted, most pressing first: someone is looking at it now, an alert must be
 * evaluated on its ticks, a holding must be valued, it is on someone's watchlist.
 */
export const DEMAND_PRIORITY = { screen: 4, alert: 3, holding: 2, watchlist: 1 } as const;
export type DemandReason = keyof typeof DEMAND_PRIORITY;

/**
 * The registry of market demand: for every wanted symbol, how many holders of each reason want it.
 * The feed is given the wanted symbols most wanted first (highest priority, then the longest
 * wanted), so what it cannot stream is what matters least. Listeners hear only when that order
 * changes, not on every added holder (a thousand screens opening on one symbol change nothing).
 */
export class MarketDemand {
  private readonly wanted = new Map<string, Map<DemandReason, number>>();
  private readonly listeners: Array<(ranked: ReadonlySet<string>) => void> = [];
  private ranked: ReadonlySet<string> = new Set();

  /** One more holder of `reason` for `symbol` (`count` more at once). */
  add(symbol: string, reason: DemandReason, count = 1): void {
    let reasons = this.wanted.get(symbol);
    const before = reasons ? topPriority(reasons) : 0;
    if (!reasons) {
      reasons = new Map();
      this.wanted.set(symbol, reasons);
    }
    reasons.set(reason, (reasons.get(reason) ?? 0) + count);
    if (topPriority(reasons) !== before) this.rerank();
  }

  /** One holder of `reason` fewer; after a symbol's last reason it is no longer wanted. */
  remove(symbol: string, reason: DemandReason): void {
    const reasons = this.wanted.get(symbol);
    const held = reasons?.get(reason);
    if (!reasons || held === undefined) return;
    const before = topPriority(reasons);
    if (held > 1) reasons.set(reason, held - 1);
    else reasons.delete(reason);
    if (reasons.size === 0) this.wanted.delete(symbol);
    if (topPriority(reasons) !== before) this.rerank();
  }

  /** Holders of `reason` for `symbol` (0 when it is not wanted for that reason). */
  holders(symbol: string, reason: DemandReason): number {
    return this.wanted.get(symbol)?.get(reason) ?? 0;
  }

  /** Every wanted symbol, most wanted first. */
  symbols(): ReadonlySet<string> {
    return this.ranked;
  }

  /** Called with the new order whenever the set of wanted symbols or their ranking changes. */
  onChange(listener: (ranked: ReadonlySet<string>) => void): void {
    this.listeners.push(listener);
  }

  private rerank(): void {
    // Map order is first-wanted order; a stable sort keeps it within a priority.
    const order = [...this.wanted].sort(([, a], [, b]) => topPriority(b) - topPriority(a));
    const ranked = new Set(order.map(([symbol]) => symbol));
    if (sameOrder(ranked, this.ranked)) return;
    this.ranked = ranked;
    for (const listener of this.listeners) listener(ranked);
  }
}

function topPriority(reasons: ReadonlyMap<DemandReason, number>): number {
  let top = 0;
  for (const reason of reasons.keys()) top = Math.max(top, DEMAND_PRIORITY[reason]);
  return top;
}

function sameOrder(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  const other = b.values();
  for (const symbol of a) if (other.next().value !== symbol) return false;
  return true;
}
