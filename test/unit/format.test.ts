import { describe, expect, it } from 'vitest';
import {
  describeChartSources,
  describeSource,
  formatChange,
  formatCompactMoney,
  formatPrice,
} from '../../web/src/format.js';

// The browser formats with the user's locale; Node's default here is en-US, as in the browser tests.
describe('price formatting in the web app', () => {
  it('uses the trading currency’s own symbol', () => {
    expect(formatPrice(261.74, 'USD')).toBe('$261.74');
    expect(formatPrice(12.5, 'EUR')).toBe('€12.50');
    expect(formatPrice(2750, 'JPY')).toBe('¥2,750.00');
    expect(formatPrice(681200, 'USD')).toBe('$681,200.00');
    expect(formatPrice(98.2, 'CHF')).toBe('CHF\u00a098.20');
  });

  it('keeps the precision an instrument trades at: FX to 5 decimals, small prices to 8', () => {
    expect(formatPrice(1.08345, 'USD')).toBe('$1.08345');
    expect(formatPrice(0.724042, 'GBP')).toBe('£0.724042');
    expect(formatPrice(0.00001234, 'USD')).toBe('$0.00001234');
    expect(formatChange(-0.00000021, 0.00001234)).toBe('−0.00000021');
  });

  it('shows a code Intl does not know as a currency after the number', () => {
    expect(formatPrice(0.5123, 'USDT')).toBe('0.5123 USDT');
    expect(formatPrice(64000.5, null)).toBe('64,000.50');
    expect(formatPrice(null, 'USD')).toBe('—');
  });

  it('abbreviates market capitalisation', () => {
    expect(formatCompactMoney(3_890_000_500_000, 'USD')).toBe('$3.89T');
    expect(formatCompactMoney(812_400_000, 'USDT')).toBe('812.4M USDT');
    expect(formatCompactMoney(null, 'USD')).toBe('—');
  });
});

describe('where a price came from, in words', () => {
  it('names the source and its delay next to a price', () => {
    expect(describeSource('yahoo', 15)).toBe('Yahoo Finance, 15 min delayed');
    expect(describeSource('finnhub', 0)).toBe('Finnhub, real time');
    expect(describeSource('simulated', 0)).toBe('Simulated market');
    expect(describeSource('binance', null)).toBe('Binance');
    expect(describeSource(null, null)).toBeNull();
  });

  it("says where the chart's past and live bars come from, once when one source gave both", () => {
    expect(describeChartSources({ id: 'yahoo', delay: 'end_of_day' }, { id: 'binance', delay: 0 })).toBe(
      'Past prices: Yahoo Finance (end of day) · Live: Binance, real time',
    );
    expect(describeChartSources({ id: 'yahoo', delay: 'end_of_day' }, { id: 'yahoo', delay: 15 })).toBe(
      'Past prices: Yahoo Finance (end of day) · Live: Yahoo Finance, 15 min delayed',
    );
    expect(describeChartSources({ id: 'finnhub', delay: null }, { id: 'finnhub', delay: 0 })).toBe(
      'Prices: Finnhub, real time',
    );
    expect(
      describeChartSources({ id: 'simulated', delay: 'end_of_day' }, { id: 'simulated', delay: 0 }),
    ).toBe('Prices: Simulated market');
    expect(describeChartSources(null, { id: 'finnhub', delay: 0 })).toBe('Live: Finnhub, real time');
    expect(describeChartSources({ id: 'alphavantage', delay: 'end_of_day' }, null)).toBe(
      'Past prices: Alpha Vantage (end of day)',
    );
    expect(describeChartSources(null, null)).toBeNull();
  });
});
