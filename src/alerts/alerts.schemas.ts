import { z } from 'zod';
import { deliveryOutcomeSchema } from '../delivery/channels.schemas.js';
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
import { MAX_SYMBOL_LENGTH } from '../market/market.schemas.js';

export const ALERT_KINDS = [
  'price_cross_up',
  'price_cross_down',
  'price_cross',
  'day_change_up',
  'day_change_down',
  'move_up',
  'move_down',
  'position_gain',
  'position_loss',
  'portfolio_day_move',
] as const;
export const alertKindSchema = z.enum(ALERT_KINDS).meta({
  id: 'AlertKind',
  description:
    "`price_cross*`: the price crosses `threshold` (up, down, or either way). `day_change_up`/`_down`: the change against the previous close reaches +/- `threshold` %. `move_up`/`_down`: the price rises (falls) `threshold` % from the lowest (highest) price of the last `windowMinutes` minutes. `position_gain`/`_loss`: the unrealized P/L of the user's holding of `symbol` (all accounts, the user's cost-basis method) reaches +/- `threshold` % of its cost. `portfolio_day_move` (no `symbol`): the whole portfolio's value (cash included, base currency) moves +/- `threshold` % against its value at the previous closes; each direction at most once per trading day.",
});
export type AlertKind = z.infer<typeof alertKindSchema>;
/** The kinds on one symbol: every kind but the portfolio's. */
export type SymbolAlertKind = Exclude<AlertKind, 'portfolio_day_move'>;

export const isMoveKind = (kind: AlertKind) => kind === 'move_up' || kind === 'move_down';
export const isPositionKind = (kind: AlertKind) => kind === 'position_gain' || kind === 'position_loss';

export const alertFrequencySchema = z.enum(['once', 'rearm']).meta({
  description:
    '`once`: the rule stops after firing. `rearm`: armed again once the price is back past the threshold by `hysteresisPercent` and `cooldownMinutes` have passed (day-change rules: at most once per trading day).',
});
export const alertStatusSchema = z.enum(['active', 'paused', 'fired', 'expired']).meta({ id: 'AlertStatus' });
export type AlertStatus = z.infer<typeof alertStatusSchema>;

export const MIN_WINDOW_MINUTES = 1;
export const MAX_WINDOW_MINUTES = 240;
export const MAX_CHANNELS_PER_ALERT = 10;

const thresholdField = z
  .number({ error: 'Threshold must be a number.' })
  .positive({ error: 'Threshold must be greater than 0.' })
  .max(1e12, { error: 'Threshold is too large.' })
  .meta({
    description:
      'A price for the `price_cross*` kinds, a percentage for the others (5 means 5 %; below 100 for `position_loss`).',
  });
const windowField = z
  .number()
  .int({ error: 'Window must be a whole number of minutes.' })
  .min(MIN_WINDOW_MINUTES, { error: `Window must be ${MIN_WINDOW_MINUTES}-${MAX_WINDOW_MINUTES} minutes.` })
  .max(MAX_WINDOW_MINUTES, { error: `Window must be ${MIN_WINDOW_MINUTES}-${MAX_WINDOW_MINUTES} minutes.` });
const hysteresisField = z
  .number()
  .min(0, { error: 'Hysteresis must be 0-50 %.' })
  .max(50, { error: 'Hysteresis must be 0-50 %.' });
const cooldownField = z
  .number()
  .int({ error: 'Cooldown must be a whole number of minutes.' })
  .min(0, { error: 'Cooldown must be 0-10080 minutes.' })
  .max(10_080, { error: 'Cooldown must be 0-10080 minutes.' });
const channelsField = z
  .array(z.uuid({ error: 'Each channel is a channel id.' }))
  .max(MAX_CHANNELS_PER_ALERT, { error: `At most ${MAX_CHANNELS_PER_ALERT} channels.` });
const noteField = text('Note').max(500, { error: 'A note has at most 500 characters.' });

/** What a rule needs; the same body previews it (`POST /alerts/preview`). */
const alertRuleBody = z
  .object({
    symbol: text('Symbol')
      .trim()
      .min(1, { error: 'Symbol is required, e.g. AAPL.' })
      .max(MAX_SYMBOL_LENGTH, { error: `A symbol has at most ${MAX_SYMBOL_LENGTH} characters.` })
      .optional()
      .meta({ description: 'Required, except for `portfolio_day_move`, which refuses one.' }),
    kind: alertKindSchema,
    threshold: thresholdField,
    windowMinutes: windowField.optional().meta({ description: 'Required for `move_*`, refused for others.' }),
    frequency: alertFrequencySchema.default('once'),
    hysteresisPercent: hysteresisField.default(0.5),
    cooldownMinutes: cooldownField.default(15),
    expiresAt: isoDateTime.nullable().optional(),
    regularHoursOnly: z.boolean().default(false),
    channels: channelsField.default([]),
    note: noteField.nullable().optional(),
  })
  .superRefine((body, context) => {
    if (body.kind === 'portfolio_day_move' && body.symbol !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['symbol'],
        message: 'A portfolio alert is on the whole portfolio: it takes no symbol.',
      });
    }
    if (body.kind !== 'portfolio_day_move' && body.symbol === undefined) {
      context.addIssue({ code: 'custom', path: ['symbol'], message: 'Symbol is required, e.g. AAPL.' });
    }
    if (body.kind === 'position_loss' && body.threshold >= 100) {
      context.addIssue({
        code: 'custom',
        path: ['threshold'],
        message: 'A loss alert is below 100 % (a holding cannot lose more than its cost).',
      });
    }
    if (isMoveKind(body.kind) && body.windowMinutes === undefined) {
      context.addIssue({ code: 'custom', path: ['windowMinutes'], message: 'A move alert needs a window.' });
    }
    if (!isMoveKind(body.kind) && body.windowMinutes !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['windowMinutes'],
        message: 'Only move alerts take a window.',
      });
    }
  })
  .meta({
    examples: [
      { symbol: 'AAPL', kind: 'price_cross_up', threshold: 250, frequency: 'once', channels: [] },
      { symbol: 'BINANCE:BTCUSDT', kind: 'move_down', threshold: 3, windowMinutes: 60, frequency: 'rearm' },
      { symbol: 'AAPL', kind: 'position_gain', threshold: 20, frequency: 'once' },
      { kind: 'portfolio_day_move', threshold: 2, frequency: 'rearm' },
    ],
  });
export type AlertRuleInput = z.infer<typeof alertRuleBody>;

/** A change to a rule; `status` pauses (`paused`) or resumes (`active`) it. */
const alertPatchBody = z
  .object({
    threshold: thresholdField,
    windowMinutes: windowField,
    frequency: alertFrequencySchema,
    hysteresisPercent: hysteresisField,
    cooldownMinutes: cooldownField,
    expiresAt: isoDateTime.nullable(),
    regularHoursOnly: z.boolean(),
    channels: channelsField,
    note: noteField.nullable(),
    status: z.enum(['active', 'paused']),
  })
  .partial()
  .meta({ examples: [{ status: 'paused' }, { threshold: 260, channels: [] }] });
export type AlertPatch = z.infer<typeof alertPatchBody>;

export const alertRuleSchema = z
  .object({
    id: z.uuid(),
    symbol: z.string().nullable().meta({ description: 'null for `portfolio_day_move`.' }),
    kind: alertKindSchema,
    threshold: z.number(),
    windowMinutes: z.number().nullable(),
    frequency: alertFrequencySchema,
    hysteresisPercent: z.number(),
    cooldownMinutes: z.number(),
    expiresAt: isoDateTime.nullable(),
    regularHoursOnly: z.boolean(),
    channels: z.array(z.uuid()),
    note: z.string().nullable(),
    status: alertStatusSchema,
    pausedReason: z
      .enum(['user', 'flood'])
      .nullable()
      .meta({ description: '`flood`: it fired more than 10 times in an hour and was paused.' }),
    armed: z.boolean().meta({ description: 'Whether the next crossing fires it.' }),
    fireCount: z.number(),
    lastFiredAt: isoDateTime.nullable(),
    createdAt: isoDateTime,
  })
  .meta({ id: 'AlertRule' });
export type AlertRuleView = z.infer<typeof alertRuleSchema>;

const previewSchema = z
  .object({
    count: z.number(),
    firings: z.array(z.object({ time: isoDateTime, price: z.number() })),
    from: isoDateTime.nullable(),
    to: isoDateTime.nullable(),
    resolution: z.enum(['1m', '1d']).nullable().meta({ description: 'null when no history is stored yet.' }),
    currentPrice: z.number().nullable(),
    pastThreshold: z.boolean().meta({
      description: 'The market is already past the threshold: the rule waits for it to come back and cross.',
    }),
  })
  .meta({ id: 'AlertPreview', description: 'How often the rule would have fired over the last 30 days.' });
export type AlertPreview = z.infer<typeof previewSchema>;

export const alertEventSchema = z
  .object({
    id: z.uuid(),
    alertId: z.uuid(),
    occurrence: z.number(),
    symbol: z.string().nullable(),
    kind: alertKindSchema,
    threshold: z.number().meta({
      description: 'For `portfolio_day_move`, the level crossed, signed: -2 for a fall of 2 %.',
    }),
    price: z.number().meta({
      description: "For `portfolio_day_move`, the portfolio's value in the base currency.",
    }),
    firedAt: isoDateTime,
    message: z.string(),
    simulated: z.boolean(),
    deliveries: z.array(deliveryOutcomeSchema),
  })
  .meta({ id: 'AlertEvent' });
export type AlertEventView = z.infer<typeof alertEventSchema>;

const tags = ['alerts'];

export const listAlertsRouteSchema = {
  tags,
  summary: "The user's alert rules",
  security: readAccess,
  response: { 200: z.object({ items: z.array(alertRuleSchema) }), ...errorResponses(READ_ERRORS) },
};

export const createAlertRouteSchema = {
  tags,
  summary: 'Create an alert rule',
  description: `At most ALERTS_PER_USER (default 200) active rules per user. A crossing rule created while the price is already past its threshold waits for it to come back and cross (\`pastThreshold\`).`,
  security: sessionWriteOrToken('alerts:write'),
  body: alertRuleBody,
  response: {
    201: z.object({ alert: alertRuleSchema, pastThreshold: z.boolean() }),
    ...errorResponses(
      BODY_ERRORS,
      DATA_WRITE_ERRORS,
      'invalid_symbol',
      'unknown_symbol',
      'channel_not_found',
      'alert_limit_reached',
      PROVIDER_ERRORS,
    ),
  },
};

export const previewAlertRouteSchema = {
  tags,
  summary: 'Would it have fired? Backtest a rule over the stored history',
  description:
    "Replays the last 30 days of the symbol's stored 1-minute bars (daily bars where there are none) through the rule.",
  security: sessionWriteOrToken('read'),
  body: alertRuleBody,
  response: {
    200: previewSchema,
    ...errorResponses(BODY_ERRORS, DATA_WRITE_ERRORS, 'invalid_symbol', 'unknown_symbol', PROVIDER_ERRORS),
  },
};

export const getAlertRouteSchema = {
  tags,
  summary: 'One alert rule',
  security: readAccess,
  params: idParams,
  response: {
    200: z.object({ alert: alertRuleSchema }),
    ...errorResponses(READ_ERRORS, 'validation_error', 'alert_not_found'),
  },
};

export const patchAlertRouteSchema = {
  tags,
  summary: 'Change, pause or resume an alert rule',
  security: sessionWriteOrToken('alerts:write'),
  params: idParams,
  body: alertPatchBody,
  response: {
    200: z.object({ alert: alertRuleSchema }),
    ...errorResponses(
      BODY_ERRORS,
      DATA_WRITE_ERRORS,
      'alert_not_found',
      'channel_not_found',
      'alert_limit_reached',
    ),
  },
};

export const deleteAlertRouteSchema = {
  tags,
  summary: 'Delete an alert rule and its log',
  security: sessionWriteOrToken('alerts:write'),
  params: idParams,
  response: { 204: noContent, ...errorResponses(DATA_WRITE_ERRORS, 'validation_error', 'alert_not_found') },
};

export const alertEventsRouteSchema = {
  tags,
  summary: "A rule's log: every firing with each channel's outcome",
  security: readAccess,
  params: idParams,
  response: {
    200: z.object({ items: z.array(alertEventSchema) }),
    ...errorResponses(READ_ERRORS, 'validation_error', 'alert_not_found'),
  },
};

export const redeliverRouteSchema = {
  tags,
  summary: 'Send a firing again to the channels that failed it',
  security: sessionWriteOrToken('alerts:write'),
  params: idParams,
  response: {
    200: z.object({ event: alertEventSchema }),
    ...errorResponses(DATA_WRITE_ERRORS, 'validation_error', 'alert_event_not_found', 'nothing_to_redeliver'),
  },
};
