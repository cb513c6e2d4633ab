import { type ChartOptions, ColorType, type DeepPartial } from 'lightweight-charts';

/** A colour of the page's theme (a CSS custom property), so charts follow light and dark mode. */
export function cssColor(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/**
 * What every chart of the app shares: its size follows its box, the page's colours, and no
 * TradingView logo (drawn with an inline <style>, which the page's CSP refuses; each chart credits
 * TradingView with a link instead, as the library's licence asks).
 */
export function themedChartOptions() {
  const border = cssColor('--border', '#dde3e8');
  return {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: cssColor('--surface', '#ffffff') },
      textColor: cssColor('--muted', '#5b6b79'),
      attributionLogo: false,
    },
    grid: { vertLines: { color: border }, horzLines: { color: border } },
    rightPriceScale: { borderColor: border },
    timeScale: { borderColor: border },
  } satisfies DeepPartial<ChartOptions>;
}
