import type { HoldingsView } from '../portfolio/portfolio.schemas.js';
import type { PortfolioSnapshot } from './portfolio-moves.js';

/**
 * What the holding alerts read of the ledger: the user's holdings over all their accounts, under
 * their cost-basis method, valued at live prices (the Portfolio page's figures).
 */
export type HoldingsReader = (userId: string) => Promise<HoldingsView>;

/*
 * The figures arrive as exact decimal strings; the alerts engine works in doubles (its thresholds
 * and prices are doubles), so they are converted here, once per change of the ledger. A double's
 * 15-16 significant digits leave a level's error far below a cent.
 */

/**
 * The price at which the user's holding of `symbol` breaks even (its cost basis / quantity, in the
 * instrument's currency): what a position rule's level derives from. Null when the user holds none
 * of it, or it cost nothing.
 */
export function breakEvenOf(view: HoldingsView, symbol: string): number | null {
  const holding = view.holdings.find((candidate) => candidate.symbol === symbol);
  if (!holding) return null;
  const quantity = Number(holding.quantity);
  const cost = Number(holding.cost);
  if (!(quantity > 0) || !(cost > 0)) return null;
  return Number(holding.averageCost);
}

/**
 * The portfolio as the day-move tracker starts from it: each priced holding's weight (quantity x
 * its rate to the base currency) and its value at the previous closes (value less day gain, as the
 * Portfolio page's day gain counts it); cash and holdings without a price are a fixed value.
 */
export function portfolioSnapshotOf(
  view: HoldingsView,
  previousCloseOf: (symbol: string) => number | null,
): PortfolioSnapshot {
  let moving = 0;
  const holdings: Array<PortfolioSnapshot['holdings'][number]> = [];
  for (const holding of view.holdings) {
    if (holding.price === null || holding.base.fxRate === null || holding.base.value === null) continue;
    const fxRate = Number(holding.base.fxRate);
    const value = Number(holding.base.value);
    const dayGain = holding.dayGain === null ? 0 : Number(holding.dayGain) * fxRate;
    moving += value;
    holdings.push({
      symbol: holding.symbol,
      weight: Number(holding.quantity) * fxRate,
      price: Number(holding.price),
      previousClose: previousCloseOf(holding.symbol),
      reference: value - dayGain,
    });
  }
  return { baseCurrency: view.baseCurrency, fixedValue: Number(view.totals.value) - moving, holdings };
}
