import type { InstrumentInfo } from '../../kernel/instruments.js';

export interface SimulatedInstrument extends InstrumentInfo {
  /** Where the random walk starts (yesterday's close), in the trading currency. */
  basePrice: number;
  /** Typical daily volatility as a fraction (0.02 = 2 %). */
  dailyVolatility: number;
  /**
   * Market capitalisation at `basePrice`, in the trading currency (whole units); null for what has
   * none (funds, pairs). The share count it implies stays fixed as the price moves.
   */
  marketCap: number | null;
}

type Row = [symbol: string, name: string, exchange: string, currency: string, basePrice: number];
/** A listed company: its row ends with its market capitalisation at `basePrice`, in billions; null for funds. */
type StockRow = [...Row, marketCapBillions: number | null];

const US_STOCKS: StockRow[] = [
  ['AAPL', 'Apple Inc', 'NASDAQ', 'USD', 228.5, 3470],
  ['MSFT', 'Microsoft Corp', 'NASDAQ', 'USD', 415.2, 3090],
  ['GOOGL', 'Alphabet Inc Class A', 'NASDAQ', 'USD', 168.4, 2070],
  ['GOOG', 'Alphabet Inc Class C', 'NASDAQ', 'USD', 170.1, 2090],
  ['AMZN', 'Amazon.com Inc', 'NASDAQ', 'USD', 186.9, 1960],
  ['META', 'Meta Platforms Inc', 'NASDAQ', 'USD', 520.3, 1320],
  ['NVDA', 'NVIDIA Corp', 'NASDAQ', 'USD', 121.4, 2980],
  ['TSLA', 'Tesla Inc', 'NASDAQ', 'USD', 242.8, 775],
  ['BRK.B', 'Berkshire Hathaway Inc Class B', 'NYSE', 'USD', 452.7, 975],
  ['BRK.A', 'Berkshire Hathaway Inc Class A', 'NYSE', 'USD', 681200, 980],
  ['JPM', 'JPMorgan Chase & Co', 'NYSE', 'USD', 212.6, 605],
  ['V', 'Visa Inc', 'NYSE', 'USD', 278.9, 545],
  ['MA', 'Mastercard Inc', 'NYSE', 'USD', 476.3, 440],
  ['JNJ', 'Johnson & Johnson', 'NYSE', 'USD', 158.2, 380],
  ['WMT', 'Walmart Inc', 'NYSE', 'USD', 79.4, 640],
  ['PG', 'Procter & Gamble Co', 'NYSE', 'USD', 167.1, 395],
  ['XOM', 'Exxon Mobil Corp', 'NYSE', 'USD', 113.5, 505],
  ['CVX', 'Chevron Corp', 'NYSE', 'USD', 146.2, 270],
  ['UNH', 'UnitedHealth Group Inc', 'NYSE', 'USD', 562.8, 520],
  ['HD', 'Home Depot Inc', 'NYSE', 'USD', 389.7, 385],
  ['KO', 'Coca-Cola Co', 'NYSE', 'USD', 69.8, 300],
  ['PEP', 'PepsiCo Inc', 'NASDAQ', 'USD', 171.3, 235],
  ['BAC', 'Bank of America Corp', 'NYSE', 'USD', 39.6, 305],
  ['WFC', 'Wells Fargo & Co', 'NYSE', 'USD', 57.2, 195],
  ['C', 'Citigroup Inc', 'NYSE', 'USD', 62.4, 118],
  ['GS', 'Goldman Sachs Group Inc', 'NYSE', 'USD', 497.1, 157],
  ['MS', 'Morgan Stanley', 'NYSE', 'USD', 101.8, 164],
  ['DIS', 'Walt Disney Co', 'NYSE', 'USD', 91.3, 166],
  ['NFLX', 'Netflix Inc', 'NASDAQ', 'USD', 687.5, 295],
  ['ADBE', 'Adobe Inc', 'NASDAQ', 'USD', 512.6, 228],
  ['CRM', 'Salesforce Inc', 'NYSE', 'USD', 272.4, 262],
  ['ORCL', 'Oracle Corp', 'NYSE', 'USD', 167.9, 465],
  ['INTC', 'Intel Corp', 'NASDAQ', 'USD', 22.7, 98],
  ['AMD', 'Advanced Micro Devices Inc', 'NASDAQ', 'USD', 158.3, 256],
  ['QCOM', 'Qualcomm Inc', 'NASDAQ', 'USD', 169.2, 188],
  ['AVGO', 'Broadcom Inc', 'NASDAQ', 'USD', 172.5, 805],
  ['TXN', 'Texas Instruments Inc', 'NASDAQ', 'USD', 201.4, 184],
  ['CSCO', 'Cisco Systems Inc', 'NASDAQ', 'USD', 53.1, 212],
  ['IBM', 'International Business Machines Corp', 'NYSE', 'USD', 219.6, 203],
  ['PYPL', 'PayPal Holdings Inc', 'NASDAQ', 'USD', 77.9, 79],
  ['UBER', 'Uber Technologies Inc', 'NYSE', 'USD', 74.2, 156],
  ['ABNB', 'Airbnb Inc', 'NASDAQ', 'USD', 128.6, 82],
  ['SHOP', 'Shopify Inc', 'NYSE', 'USD', 78.3, 101],
  ['SQ', 'Block Inc', 'NYSE', 'USD', 66.8, 41],
  ['COIN', 'Coinbase Global Inc', 'NASDAQ', 'USD', 182.4, 45],
  ['PLTR', 'Palantir Technologies Inc', 'NYSE', 'USD', 37.9, 86],
  ['SNOW', 'Snowflake Inc', 'NYSE', 'USD', 117.2, 39],
  ['SPOT', 'Spotify Technology SA', 'NYSE', 'USD', 368.1, 73],
  ['NKE', 'Nike Inc', 'NYSE', 'USD', 84.6, 127],
  ['MCD', "McDonald's Corp", 'NYSE', 'USD', 296.4, 212],
  ['SBUX', 'Starbucks Corp', 'NASDAQ', 'USD', 96.2, 109],
  ['COST', 'Costco Wholesale Corp', 'NASDAQ', 'USD', 887.3, 393],
  ['TGT', 'Target Corp', 'NYSE', 'USD', 153.4, 71],
  ['LOW', "Lowe's Companies Inc", 'NYSE', 'USD', 262.7, 149],
  ['BA', 'Boeing Co', 'NYSE', 'USD', 152.3, 94],
  ['CAT', 'Caterpillar Inc', 'NYSE', 'USD', 388.5, 188],
  ['GE', 'General Electric Co', 'NYSE', 'USD', 186.2, 203],
  ['MMM', '3M Co', 'NYSE', 'USD', 129.4, 71],
  ['HON', 'Honeywell International Inc', 'NASDAQ', 'USD', 206.1, 134],
  ['LMT', 'Lockheed Martin Corp', 'NYSE', 'USD', 578.3, 138],
  ['RTX', 'RTX Corp', 'NYSE', 'USD', 120.6, 160],
  ['F', 'Ford Motor Co', 'NYSE', 'USD', 10.7, 42.5],
  ['GM', 'General Motors Co', 'NYSE', 'USD', 47.9, 53],
  ['T', 'AT&T Inc', 'NYSE', 'USD', 21.8, 156],
  ['VZ', 'Verizon Communications Inc', 'NYSE', 'USD', 44.3, 186],
  ['PFE', 'Pfizer Inc', 'NYSE', 'USD', 29.1, 165],
  ['MRK', 'Merck & Co Inc', 'NYSE', 'USD', 112.8, 286],
  ['ABBV', 'AbbVie Inc', 'NYSE', 'USD', 196.5, 347],
  ['LLY', 'Eli Lilly and Co', 'NYSE', 'USD', 912.4, 867],
  ['AMGN', 'Amgen Inc', 'NASDAQ', 'USD', 327.6, 176],
  ['SPY', 'SPDR S&P 500 ETF Trust', 'NYSE Arca', 'USD', 571.2, null],
  ['QQQ', 'Invesco QQQ Trust', 'NASDAQ', 'USD', 488.6, null],
  ['DIA', 'SPDR Dow Jones Industrial Average ETF', 'NYSE Arca', 'USD', 423.1, null],
  ['IWM', 'iShares Russell 2000 ETF', 'NYSE Arca', 'USD', 219.8, null],
  ['VTI', 'Vanguard Total Stock Market ETF', 'NYSE Arca', 'USD', 282.4, null],
  ['RDS-A', 'Royal Dutch Shell plc ADR Class A (historic)', 'NYSE', 'USD', 49.8, 195],
  ['SIRI', 'Sirius XM Holdings Inc', 'NASDAQ', 'USD', 0.2431, 0.92],
];

const INTERNATIONAL_STOCKS: StockRow[] = [
  ['VOD.L', 'Vodafone Group plc', 'London Stock Exchange', 'GBP', 0.7126, 19.2],
  ['HSBA.L', 'HSBC Holdings plc', 'London Stock Exchange', 'GBP', 6.842, 125],
  ['BP.L', 'BP plc', 'London Stock Exchange', 'GBP', 4.127, 67],
  ['SHEL.L', 'Shell plc', 'London Stock Exchange', 'GBP', 26.35, 166],
  ['AZN.L', 'AstraZeneca plc', 'London Stock Exchange', 'GBP', 118.4, 184],
  ['ULVR.L', 'Unilever plc', 'London Stock Exchange', 'GBP', 48.91, 122],
  ['BMW.DE', 'Bayerische Motoren Werke AG', 'Xetra', 'EUR', 78.42, 49],
  ['SAP.DE', 'SAP SE', 'Xetra', 'EUR', 204.6, 239],
  ['SIE.DE', 'Siemens AG', 'Xetra', 'EUR', 178.3, 141],
  ['VOW3.DE', 'Volkswagen AG Pref', 'Xetra', 'EUR', 96.8, 48.5],
  ['ALV.DE', 'Allianz SE', 'Xetra', 'EUR', 281.9, 110],
  ['MC.PA', 'LVMH Moet Hennessy Louis Vuitton SE', 'Euronext Paris', 'EUR', 678.2, 339],
  ['OR.PA', "L'Oreal SA", 'Euronext Paris', 'EUR', 402.5, 215],
  ['TTE.PA', 'TotalEnergies SE', 'Euronext Paris', 'EUR', 61.7, 142],
  ['ASML.AS', 'ASML Holding NV', 'Euronext Amsterdam', 'EUR', 812.4, 319],
  ['NESN.SW', 'Nestle SA', 'SIX Swiss Exchange', 'CHF', 87.62, 228],
  ['NOVN.SW', 'Novartis AG', 'SIX Swiss Exchange', 'CHF', 98.14, 197],
  ['7203.T', 'Toyota Motor Corp', 'Tokyo Stock Exchange', 'JPY', 2687, 35200],
  ['6758.T', 'Sony Group Corp', 'Tokyo Stock Exchange', 'JPY', 2841, 17300],
  ['9984.T', 'SoftBank Group Corp', 'Tokyo Stock Exchange', 'JPY', 8912, 13100],
  ['0700.HK', 'Tencent Holdings Ltd', 'Hong Kong Stock Exchange', 'HKD', 412.6, 3837],
  ['9988.HK', 'Alibaba Group Holding Ltd', 'Hong Kong Stock Exchange', 'HKD', 98.35, 1898],
  ['RY.TO', 'Royal Bank of Canada', 'Toronto Stock Exchange', 'CAD', 168.2, 237],
  ['SHOP.TO', 'Shopify Inc', 'Toronto Stock Exchange', 'CAD', 106.4, 137],
  ['ERE.UN.TO', 'European Residential REIT', 'Toronto Stock Exchange', 'CAD', 1.89, 0.17],
  ['BHP.AX', 'BHP Group Ltd', 'Australian Securities Exchange', 'AUD', 42.18, 214],
  ['CBA.AX', 'Commonwealth Bank of Australia', 'Australian Securities Exchange', 'AUD', 138.7, 232],
  ['RELIANCE.NS', 'Reliance Industries Ltd', 'National Stock Exchange of India', 'INR', 2945.6, 19940],
  ['SBIN.NS', 'State Bank of India', 'National Stock Exchange of India', 'INR', 812.35, 7250],
  ['TCS.NS', 'Tata Consultancy Services Ltd', 'National Stock Exchange of India', 'INR', 4217.8, 15260],
  ['005930.KS', 'Samsung Electronics Co Ltd', 'Korea Exchange', 'KRW', 61200, 365000],
  ['AAPL.SW', 'Apple Inc (SIX listing)', 'SIX Swiss Exchange', 'CHF', 194.2, 2952],
];

const CRYPTO: Row[] = [
  ['BINANCE:BTCUSDT', 'Bitcoin / Tether', 'BINANCE', 'USDT', 67412.35],
  ['BINANCE:ETHUSDT', 'Ethereum / Tether', 'BINANCE', 'USDT', 3124.82],
  ['BINANCE:SOLUSDT', 'Solana / Tether', 'BINANCE', 'USDT', 148.27],
  ['BINANCE:BNBUSDT', 'BNB / Tether', 'BINANCE', 'USDT', 583.4],
  ['BINANCE:XRPUSDT', 'XRP / Tether', 'BINANCE', 'USDT', 0.5632],
  ['BINANCE:ADAUSDT', 'Cardano / Tether', 'BINANCE', 'USDT', 0.3781],
  ['BINANCE:DOGEUSDT', 'Dogecoin / Tether', 'BINANCE', 'USDT', 0.12874],
  ['BINANCE:SHIBUSDT', 'Shiba Inu / Tether', 'BINANCE', 'USDT', 0.00001742],
  ['COINBASE:BTC-USD', 'Bitcoin / US Dollar', 'COINBASE', 'USD', 67398.1],
  ['COINBASE:ETH-USD', 'Ethereum / US Dollar', 'COINBASE', 'USD', 3121.4],
];

const FOREX: Row[] = [
  ['OANDA:EUR_USD', 'Euro / US Dollar', 'OANDA', 'USD', 1.08452],
  ['OANDA:GBP_USD', 'British Pound / US Dollar', 'OANDA', 'USD', 1.27318],
  ['OANDA:USD_JPY', 'US Dollar / Japanese Yen', 'OANDA', 'JPY', 151.274],
  ['OANDA:USD_CHF', 'US Dollar / Swiss Franc', 'OANDA', 'CHF', 0.88214],
  ['OANDA:AUD_USD', 'Australian Dollar / US Dollar', 'OANDA', 'USD', 0.65931],
  ['OANDA:USD_CAD', 'US Dollar / Canadian Dollar', 'OANDA', 'CAD', 1.36205],
  ['OANDA:EUR_GBP', 'Euro / British Pound', 'OANDA', 'GBP', 0.85187],
  ['OANDA:XAU_USD', 'Gold / US Dollar', 'OANDA', 'USD', 2384.65],
];

function expand(rows: Array<Row | StockRow>, type: string, dailyVolatility: number): SimulatedInstrument[] {
  return rows.map(([symbol, name, exchange, currency, basePrice, marketCapBillions]) => ({
    symbol,
    name,
    exchange,
    currency,
    type,
    basePrice,
    dailyVolatility,
    marketCap: typeof marketCapBillions === 'number' ? marketCapBillions * 1e9 : null,
  }));
}

/**
 * The simulated market's symbols: real, well-known instruments with plausible (not live) prices and
 * market capitalisations of about the same time.
 */
export const SIMULATED_UNIVERSE: readonly SimulatedInstrument[] = [
  ...expand(US_STOCKS, 'Common Stock', 0.018),
  ...expand(INTERNATIONAL_STOCKS, 'Common Stock', 0.015),
  ...expand(CRYPTO, 'Crypto', 0.035),
  ...expand(FOREX, 'Forex', 0.005),
];
