import { z } from 'zod';
import {
  BODY_ERRORS,
  DATA_WRITE_ERRORS,
  errorResponses,
  idParams,
  isoDateTime,
  noContent,
  PROVIDER_ERRORS,
  READ_ERRORS,
  readAccess,
  sessionWriteOrToken,
  text,
} from '../http/api.schemas.js';
import { symbolParams } from '../market/market.schemas.js';

/**
 * The holdings API contract (issue 12): accounts, transactions, holdings, performance, imports and
 * exports. Every amount, quantity, rate and percentage is a decimal string (percentages in percent:
 * "6.56" is 6.56 %), so nothing passes through a float; requests also take JSON numbers, read as the
 * decimal they spell.
 */

const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)$/;

/** A decimal sent by a client: a string like "12.5" (or a JSON number), normalised to a string. */
export function decimalInput(label: string) {
  return z
    .union([z.string(), z.number()], { error: `${label} is required, as a decimal number like "12.5".` })
    .transform((value) => (typeof value === 'number' ? String(value) : value.trim()))
    .refine((value) => DECIMAL.test(value), { error: `${label} must be a decimal number like "12.5".` })
    .refine((value) => value.replace(/^-/, '').replace('.', '').replace(/^0+/, '').length <= 30, {
      error: `${label} has too many digits.`,
    });
}

/** A decimal the server sends (plain notation, e.g. "1576.5"). */
export const decimalOutput = z
  .string()
  .meta({ description: 'A decimal number as a string.', examples: ['1576.5'] });

export const currencyCode = z
  .string({ error: 'Currency is required, as a three-letter ISO 4217 code like USD.' })
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{3}$/, { error: 'Currency must be a three-letter ISO 4217 code like USD.' });

export const isoDate = z
  .string({ error: 'Date is required, as YYYY-MM-DD.' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'Date must be YYYY-MM-DD.' })
  .refine(
    (value) =>
      !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
      new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
    {
      error: 'That date does not exist.',
    },
  );

export const TRANSACTION_TYPE_VALUES = [
  'buy',
  'sell',
  'dividend',
  'fee',
  'interest',
  'deposit',
  'withdrawal',
  'split',
] as const;
export const COST_BASIS_METHODS = ['average', 'fifo'] as const;
export type CostBasisMethod = (typeof COST_BASIS_METHODS)[number];
export const PERFORMANCE_RANGES = ['1m', '6m', 'ytd', '1y', 'all'] as const;
export type PerformanceRange = (typeof PERFORMANCE_RANGES)[number];

const tags = ['portfolio'];
const portfolioWrite = sessionWriteOrToken('portfolio:write');

// ---------- settings ----------

export const portfolioSettingsSchema = z
  .object({
    baseCurrency: currencyCode.meta({ description: 'The currency totals are shown in.' }),
    costBasis: z.enum(COST_BASIS_METHODS, { error: 'costBasis is average or fifo.' }),
  })
  .meta({ id: 'PortfolioSettings', examples: [{ baseCurrency: 'EUR', costBasis: 'fifo' }] });
export type PortfolioSettings = z.infer<typeof portfolioSettingsSchema>;
export const DEFAULT_PORTFOLIO_SETTINGS: PortfolioSettings = { baseCurrency: 'USD', costBasis: 'average' };

export const getSettingsRouteSchema = {
  tags,
  summary: 'Base currency and cost-basis method (defaults: USD, average)',
  security: readAccess,
  response: { 200: portfolioSettingsSchema, ...errorResponses(READ_ERRORS) },
};

export const updateSettingsRouteSchema = {
  tags,
  summary: 'Change the base currency or the cost-basis method (every figure is recomputed)',
  security: portfolioWrite,
  body: portfolioSettingsSchema.partial().meta({ examples: [{ costBasis: 'fifo' }] }),
  response: { 200: portfolioSettingsSchema, ...errorResponses(BODY_ERRORS, DATA_WRITE_ERRORS) },
};

// ---------- accounts ----------

const accountSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    currency: z.string(),
    cash: decimalOutput.meta({ description: "The account's cash balance, in its currency." }),
    transactionCount: z.number().int(),
    createdAt: isoDateTime,
  })
  .meta({ id: 'PortfolioAccount' });
export type PortfolioAccount = z.infer<typeof accountSchema>;

const accountBody = z
  .object({
    name: text('Name')
      .trim()
      .min(1, { error: 'Name is required.' })
      .max(100, { error: 'A name has at most 100 characters.' }),
    currency: currencyCode,
  })
  .meta({ examples: [{ name: 'Broker', currency: 'USD' }] });

export const listAccountsRouteSchema = {
  tags,
  summary: "The user's accounts, with their cash",
  security: readAccess,
  response: {
    200: z.object({ accounts: z.array(accountSchema) }),
    ...errorResponses(READ_ERRORS, 'fx_rate_required'),
  },
};

export const createAccountRouteSchema = {
  tags,
  summary: 'Open an account (a broker, a retirement account, cash)',
  security: portfolioWrite,
  body: accountBody,
  response: {
    201: z.object({ account: accountSchema }),
    ...errorResponses(BODY_ERRORS, DATA_WRITE_ERRORS, 'account_name_taken', 'fx_rate_required'),
  },
};

export const updateAccountRouteSchema = {
  tags,
  summary: 'Rename an account or change its currency',
  description: 'The currency can change only while the account has no transactions.',
  security: portfolioWrite,
  params: idParams,
  body: accountBody.partial().meta({ examples: [{ name: 'Retirement' }] }),
  response: {
    200: z.object({ account: accountSchema }),
    ...errorResponses(
      BODY_ERRORS,
      DATA_WRITE_ERRORS,
      'account_not_found',
      'account_name_taken',
      'account_not_empty',
      'fx_rate_required',
    ),
  },
};

export const deleteAccountRouteSchema = {
  tags,
  summary: 'Delete an account',
  description: 'An account with transactions is deleted (with them) only with `?force=true`.',
  security: portfolioWrite,
  params: idParams,
  querystring: z.object({
    force: z
      .enum(['true', 'false'], { error: 'force is true or false.' })
      .meta({ examples: ['true'] })
      .optional()
      .transform((value) => value === 'true'),
  }),
  response: {
    204: noContent,
    ...errorResponses(DATA_WRITE_ERRORS, 'validation_error', 'account_not_found', 'account_not_empty'),
  },
};

// ---------- transactions ----------

/** The `account` filter of the lists: one of the user's accounts. */
const accountParam = z
  .uuid({ error: 'account must be an account id.' })
  .meta({ examples: ['0b6f3f0e-8f5d-4f7e-9d55-2f6a1c1f4a10'] })
  .optional();

const TRANSACTION_EXAMPLE = {
  accountId: '0b6f3f0e-8f5d-4f7e-9d55-2f6a1c1f4a10',
  type: 'buy',
  symbol: 'AAPL',
  quantity: '10',
  price: '100',
  fee: '1',
  currency: 'USD',
  date: '2026-03-02',
};

export const transactionBody = z
  .object({
    accountId: z.uuid({ error: 'accountId must be the id of one of your accounts.' }),
    type: z.enum(TRANSACTION_TYPE_VALUES, { error: `Type is one of ${TRANSACTION_TYPE_VALUES.join(', ')}.` }),
    symbol: text('Symbol').trim().min(1).max(40).optional(),
    quantity: decimalInput('Quantity').optional(),
    price: decimalInput('Price').optional(),
    amount: decimalInput('Amount').optional(),
    fee: decimalInput('Fee').optional(),
    tax: decimalInput('Tax').optional(),
    currency: currencyCode,
    date: isoDate,
    fxRate: decimalInput('FX rate').optional(),
    ratio: z
      .string()
      .regex(/^\d+(\.\d+)?:\d+(\.\d+)?$/, { error: 'Ratio is new:old, e.g. 4:1.' })
      .optional(),
    note: text('Note').max(500).optional(),
  })
  .meta({
    examples: [TRANSACTION_EXAMPLE],
    // A transforming schema's input form drops `examples` (zod): the document's media type takes these.
    'x-examples': { buy: { value: TRANSACTION_EXAMPLE } },
  });
export type TransactionInput = z.infer<typeof transactionBody>;

export const transactionSchema = z
  .object({
    id: z.uuid(),
    accountId: z.uuid(),
    type: z.enum(TRANSACTION_TYPE_VALUES),
    symbol: z.string().nullable(),
    quantity: decimalOutput.nullable(),
    price: decimalOutput.nullable(),
    amount: decimalOutput.nullable(),
    fee: decimalOutput,
    tax: decimalOutput.nullable(),
    currency: z.string(),
    date: z.string(),
    fxRate: decimalOutput.nullable(),
    ratio: z.string().nullable(),
    note: z.string().nullable(),
    createdAt: isoDateTime,
  })
  .meta({ id: 'Transaction' });
export type Transaction = z.infer<typeof transactionSchema>;

/** The portfolio in the user's data export (`GET /me/export`). */
export const portfolioExportSchema = z.object({
  settings: portfolioSettingsSchema.nullable().meta({ description: 'null while the defaults apply.' }),
  accounts: z.array(
    z.object({ id: z.uuid(), name: z.string(), currency: z.string(), createdAt: isoDateTime }),
  ),
  transactions: z.array(transactionSchema).meta({ description: 'As entered, oldest first.' }),
});
export type PortfolioExport = z.infer<typeof portfolioExportSchema>;

export const TRANSACTION_WRITE_ERRORS = [
  'account_not_found',
  'insufficient_quantity',
  'fx_rate_required',
  'unknown_symbol',
  'invalid_symbol',
  ...PROVIDER_ERRORS,
] as const;

export const listTransactionsRouteSchema = {
  tags,
  summary: 'Transactions as entered, newest first, paged',
  security: readAccess,
  querystring: z.object({
    account: accountParam,
    symbol: z
      .string()
      .trim()
      .min(1)
      .max(40)
      .meta({ examples: ['AAPL'] })
      .optional(),
    from: isoDate.meta({ examples: ['2026-01-01'] }).optional(),
    to: isoDate.meta({ examples: ['2026-12-31'] }).optional(),
    page: z.coerce
      .number({ error: 'page is a number from 1.' })
      .int()
      .min(1)
      .default(1)
      .meta({ examples: [1] }),
    pageSize: z.coerce
      .number({ error: 'pageSize is 1 to 500.' })
      .int()
      .min(1)
      .max(500)
      .default(50)
      .meta({ examples: [50] }),
  }),
  response: {
    200: z.object({
      transactions: z.array(transactionSchema),
      total: z.number().int(),
      page: z.number().int(),
      pageSize: z.number().int(),
    }),
    ...errorResponses(READ_ERRORS, 'validation_error'),
  },
};

export const createTransactionRouteSchema = {
  tags,
  summary: 'Record a transaction',
  security: portfolioWrite,
  body: transactionBody,
  response: {
    201: z.object({ transaction: transactionSchema }),
    ...errorResponses(BODY_ERRORS, DATA_WRITE_ERRORS, TRANSACTION_WRITE_ERRORS),
  },
};

export const updateTransactionRouteSchema = {
  tags,
  summary: 'Change a transaction',
  security: portfolioWrite,
  params: idParams,
  body: transactionBody
    .partial()
    .meta({ 'x-examples': { correction: { value: { quantity: '12', note: 'Corrected' } } } }),
  response: {
    200: z.object({ transaction: transactionSchema }),
    ...errorResponses(BODY_ERRORS, DATA_WRITE_ERRORS, TRANSACTION_WRITE_ERRORS, 'transaction_not_found'),
  },
};

export const deleteTransactionRouteSchema = {
  tags,
  summary: 'Delete a transaction',
  description: 'Refused (400 insufficient_quantity) when a later sell would then sell more than held.',
  security: portfolioWrite,
  params: idParams,
  response: {
    204: noContent,
    ...errorResponses(
      DATA_WRITE_ERRORS,
      'validation_error',
      'transaction_not_found',
      'insufficient_quantity',
    ),
  },
};

// ---------- holdings ----------

const holdingSchema = z
  .object({
    symbol: z.string(),
    name: z.string().nullable(),
    quantity: decimalOutput,
    currency: z.string(),
    price: decimalOutput.nullable().meta({ description: 'The live price; null while none is known.' }),
    value: decimalOutput.nullable(),
    cost: decimalOutput,
    averageCost: decimalOutput,
    unrealized: decimalOutput.nullable(),
    unrealizedPercent: decimalOutput.nullable(),
    realized: decimalOutput,
    dividends: decimalOutput,
    dayGain: decimalOutput.nullable(),
    weight: decimalOutput.nullable().meta({ description: 'Share of the portfolio value, in percent.' }),
    /** The same P/L in the base currency, and how much of it the exchange rate made. */
    base: z.object({
      value: decimalOutput.nullable(),
      cost: decimalOutput,
      unrealized: decimalOutput.nullable(),
      currencyEffect: decimalOutput.nullable(),
      fxRate: decimalOutput.nullable(),
    }),
  })
  .meta({ id: 'Holding' });
export type Holding = z.infer<typeof holdingSchema>;

const totalsSchema = z.object({
  value: decimalOutput,
  cost: decimalOutput,
  cash: decimalOutput,
  unrealized: decimalOutput,
  unrealizedPercent: decimalOutput.nullable(),
  realized: decimalOutput,
  dividends: decimalOutput,
  dayGain: decimalOutput,
});

export const holdingsResponse = z
  .object({
    baseCurrency: z.string(),
    costBasis: z.enum(COST_BASIS_METHODS),
    totals: totalsSchema,
    holdings: z.array(holdingSchema),
  })
  .meta({ id: 'Holdings' });
export type HoldingsView = z.infer<typeof holdingsResponse>;

export const holdingsRouteSchema = {
  tags,
  summary: 'What you hold, what it cost and what it is worth now',
  description:
    "A row's amounts are in the instrument's currency, `base` and the totals in the base currency. `costBasis` defaults to the user's setting.",
  security: readAccess,
  querystring: z.object({
    account: accountParam,
    costBasis: z
      .enum(COST_BASIS_METHODS, { error: 'costBasis is average or fifo.' })
      .meta({ examples: ['fifo'] })
      .optional(),
  }),
  response: {
    200: holdingsResponse,
    ...errorResponses(READ_ERRORS, 'validation_error', 'account_not_found', 'fx_rate_required'),
  },
};

export const holdingStepSchema = z.object({
  transaction: transactionSchema,
  quantity: decimalOutput.meta({ description: "Units the transaction's account held after it." }),
  cost: decimalOutput.meta({ description: "That position's cost after it, in the holding's currency." }),
  realized: decimalOutput.nullable().meta({ description: "A sell's realized P/L; null for other types." }),
  lots: z
    .array(z.object({ date: z.string(), quantity: decimalOutput, cost: decimalOutput }))
    .nullable()
    .meta({ description: 'FIFO: the lots left after it, oldest first; null under average cost.' }),
  fxRate: decimalOutput.meta({
    description: "Units of the holding's currency per unit of the transaction's.",
  }),
  baseFxRate: decimalOutput.meta({
    description: "Units of the base currency per unit of the transaction's.",
  }),
});

export const holdingDetailResponse = z
  .object({
    baseCurrency: z.string(),
    costBasis: z.enum(COST_BASIS_METHODS),
    holding: holdingSchema,
    quote: z
      .object({ price: decimalOutput, previousClose: decimalOutput.nullable(), time: isoDateTime })
      .nullable()
      .meta({ description: 'The live price the value is computed with; null while none is known.' }),
    transactions: z.array(holdingStepSchema).meta({ description: 'Oldest first, each with what it did.' }),
  })
  .meta({ id: 'HoldingDetail' });
export type HoldingDetail = z.infer<typeof holdingDetailResponse>;

export const holdingDetailRouteSchema = {
  tags,
  summary: 'One holding expanded: the transactions, price and rates behind each figure',
  description:
    'A symbol never traded answers a holding of 0 with no transactions. `account` and `costBasis` as for /holdings.',
  security: readAccess,
  params: symbolParams,
  querystring: holdingsRouteSchema.querystring,
  response: {
    200: holdingDetailResponse,
    ...errorResponses(
      READ_ERRORS,
      'validation_error',
      'invalid_symbol',
      'account_not_found',
      'fx_rate_required',
    ),
  },
};

// ---------- performance ----------

export const performanceResponse = z
  .object({
    range: z.enum(PERFORMANCE_RANGES),
    baseCurrency: z.string(),
    from: z.string(),
    to: z.string(),
    timeWeightedReturn: decimalOutput
      .nullable()
      .meta({ description: 'Percent over the range, not annualised.' }),
    moneyWeightedReturn: decimalOutput
      .nullable()
      .meta({ description: 'Percent a year (XIRR); null when it has no solution.' }),
    series: z.array(
      z.object({
        date: z.string(),
        value: decimalOutput,
        /** Deposits less withdrawals that day (the markers on the chart). */
        netFlow: decimalOutput,
      }),
    ),
  })
  .meta({ id: 'Performance' });
export type PerformanceView = z.infer<typeof performanceResponse>;

export const performanceRouteSchema = {
  tags,
  summary: 'Time-weighted and money-weighted return, and the value over time',
  security: readAccess,
  querystring: z.object({
    range: z
      .enum(PERFORMANCE_RANGES, { error: `range is one of ${PERFORMANCE_RANGES.join(', ')}.` })
      .default('1y')
      .meta({ examples: ['1y'] }),
    account: z.uuid({ error: 'account must be an account id.' }).optional(),
  }),
  response: {
    200: performanceResponse,
    ...errorResponses(READ_ERRORS, 'validation_error', 'account_not_found'),
  },
};

// ---------- imports and exports ----------

export const importErrorSchema = z.object({
  line: z.number().int().meta({ description: 'Line 1 is the header.' }),
  field: z.string(),
  message: z.string(),
});

/**
 * A row of a preview as the server sends it: the transaction input it becomes (the request schema's
 * fields, its decimals as plain strings; the request schema itself has transforms, which an answer
 * cannot be encoded with), its line, and whether the ledger already holds it.
 */
export const importRowSchema = z
  .object({
    accountId: z.uuid(),
    type: z.enum(TRANSACTION_TYPE_VALUES),
    symbol: z.string().optional(),
    quantity: decimalOutput.optional(),
    price: decimalOutput.optional(),
    amount: decimalOutput.optional(),
    fee: decimalOutput.optional(),
    tax: decimalOutput.optional(),
    currency: z.string(),
    date: z.string(),
    fxRate: decimalOutput.optional(),
    ratio: z.string().optional(),
    note: z.string().optional(),
    line: z.number().int(),
    duplicate: z.boolean(),
  })
  .meta({ id: 'ImportRow' });

export const importPreviewResponse = z
  .object({
    previewId: z.uuid(),
    rows: z.array(importRowSchema),
    errors: z.array(importErrorSchema),
    duplicates: z.number().int(),
  })
  .meta({ id: 'ImportPreview' });
export type ImportPreview = z.infer<typeof importPreviewResponse>;

export const importPreviewRouteSchema = {
  tags,
  summary: 'Read a CSV or JSON file of transactions and check it; nothing is written',
  description:
    "multipart/form-data with `file` (up to 10 MB) and `accountId` (a row's `account` column, when present, names one of your accounts and wins).",
  security: portfolioWrite,
  response: {
    200: importPreviewResponse,
    // A symbol the instruments table does not hold is asked of the market-data provider.
    ...errorResponses(BODY_ERRORS, DATA_WRITE_ERRORS, PROVIDER_ERRORS, 'account_not_found'),
  },
};

export const importCommitRouteSchema = {
  tags,
  summary: 'Write a previewed import: all its rows or none',
  security: portfolioWrite,
  params: z.object({
    previewId: z
      .uuid({ error: 'Not a preview id.' })
      .meta({ examples: ['7c9e6679-7425-40de-944b-e07fc1f90ae7'] }),
  }),
  response: {
    200: z.object({ imported: z.number().int(), skippedDuplicates: z.number().int() }),
    ...errorResponses(
      DATA_WRITE_ERRORS,
      'validation_error',
      'import_not_found',
      'import_has_errors',
      TRANSACTION_WRITE_ERRORS,
    ),
  },
};

/** The JSON export: the CSV's columns, one object per transaction, in ledger order. */
export const transactionsExport = z
  .object({
    meta: z.object({ format: z.string(), version: z.number().int(), exportedAt: isoDateTime }),
    transactions: z.array(
      z.object({
        account: z.string().nullable(),
        date: z.string(),
        type: z.enum(TRANSACTION_TYPE_VALUES),
        symbol: z.string().nullable(),
        quantity: decimalOutput.nullable(),
        price: decimalOutput.nullable(),
        amount: decimalOutput.nullable(),
        fee: decimalOutput,
        tax: decimalOutput.nullable(),
        currency: z.string(),
        fxRate: decimalOutput.nullable(),
        ratio: z.string().nullable(),
        note: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'TransactionsExport' });

export const exportRouteSchema = {
  tags,
  summary: 'Every transaction, as CSV or JSON (importable as it is)',
  security: readAccess,
  querystring: z.object({
    format: z
      .enum(['csv', 'json'], { error: 'format is csv or json.' })
      .default('csv')
      .meta({ examples: ['csv'] }),
  }),
  response: {
    200: {
      description: 'A download (`Content-Disposition: attachment`) in the import format.',
      content: {
        'text/csv': { schema: z.string() },
        'application/json': { schema: transactionsExport },
      },
    },
    ...errorResponses(READ_ERRORS, 'validation_error'),
  },
};
