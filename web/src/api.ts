/** The browser's client for /api/v1: JSON in and out, the CSRF header on every state-changing call. */

import type { z } from 'zod';
import type { deleteAccountRouteSchema } from '../../src/account-data/account-data.schemas.js';
import type {
  AdminHealth,
  AdminUser,
  AuditEntry,
  auditSchema,
  createInviteSchema,
  healthSchema,
  Invite,
  listInvitesSchema,
  listUsersSchema,
  updateUserSchema,
} from '../../src/admin/admin.schemas.js';
import type {
  AlertEventView,
  AlertKind,
  AlertPreview,
  AlertRuleView,
  AlertStatus,
  alertEventsRouteSchema,
  createAlertRouteSchema,
  listAlertsRouteSchema,
  patchAlertRouteSchema,
  previewAlertRouteSchema,
  redeliverRouteSchema,
} from '../../src/alerts/alerts.schemas.js';
import type {
  ApiTokenView,
  createTokenRouteSchema,
  listTokensRouteSchema,
  revokeTokenRouteSchema,
} from '../../src/api-tokens/api-tokens.schemas.js';
import type {
  changePasswordRouteSchema,
  confirmPasswordResetRouteSchema,
  emailVerificationRouteSchema,
  endOtherSessionsRouteSchema,
  listSessionsRouteSchema,
  passwordResetAvailableRouteSchema,
  SecurityEventItem,
  SessionListItem,
  securityLogRouteSchema,
} from '../../src/auth/account.schemas.js';
import type {
  loginSchema,
  logoutSchema,
  registerSchema,
  registrationSchema,
  User,
  whoamiSchema,
} from '../../src/auth/auth.schemas.js';
import type {
  loginSecondStepRouteSchema,
  twoFactorDisableRouteSchema,
  twoFactorEnableRouteSchema,
  twoFactorSetupRouteSchema,
  twoFactorStatusRouteSchema,
} from '../../src/auth/two-factor.schemas.js';
import type {
  ChannelView as Channel,
  createChannelRouteSchema,
  deleteChannelRouteSchema,
  getSettingsRouteSchema,
  listChannelsRouteSchema,
  pushKeyRouteSchema,
  putSettingsRouteSchema,
  testChannelRouteSchema,
  WebhookFormat,
} from '../../src/delivery/channels.schemas.js';
import type {
  HistoryBar,
  HistoryRange,
  HistoryResolution,
  historyRouteSchema,
  PriceHistory,
  sparklinesRouteSchema,
} from '../../src/history/history.schemas.js';
import type { ApiErrorBody, TokenScope } from '../../src/http/api.schemas.js';
import type {
  MarketStatus,
  marketStatusRouteSchema,
  Quote,
  QuoteDetail,
  quoteRouteSchema,
  SymbolMatch,
  searchRouteSchema,
} from '../../src/market/market.schemas.js';
import type {
  listNotificationsRouteSchema,
  markReadRouteSchema,
  NotificationView,
} from '../../src/notifications/notifications.schemas.js';
import type {
  deletePasskeyRouteSchema,
  listPasskeysRouteSchema,
  loginOptionsRouteSchema,
  loginVerifyRouteSchema,
  PasskeyView as Passkey,
  registrationOptionsRouteSchema,
  registrationVerifyRouteSchema,
  renamePasskeyRouteSchema,
} from '../../src/passkeys/passkeys.schemas.js';
import type {
  CostBasisMethod,
  createAccountRouteSchema,
  createTransactionRouteSchema,
  deleteAccountRouteSchema as deletePortfolioAccountRouteSchema,
  deleteTransactionRouteSchema,
  getSettingsRouteSchema as getPortfolioSettingsRouteSchema,
  Holding,
  HoldingDetail,
  HoldingsView,
  holdingDetailRouteSchema,
  holdingsRouteSchema,
  ImportPreview,
  importCommitRouteSchema,
  importPreviewRouteSchema,
  listAccountsRouteSchema,
  listTransactionsRouteSchema,
  PerformanceRange,
  PerformanceView,
  PortfolioAccount,
  PortfolioSettings,
  performanceRouteSchema,
  Transaction,
  updateAccountRouteSchema,
  updateSettingsRouteSchema as updatePortfolioSettingsRouteSchema,
  updateTransactionRouteSchema,
} from '../../src/portfolio/portfolio.schemas.js';
import type {
  getPreferencesRouteSchema,
  Preferences,
  SORT_KEYS,
  savePreferencesRouteSchema,
  WATCHLIST_COLUMNS,
} from '../../src/preferences/preferences.schemas.js';
import type { CompanyProfile, profileRouteSchema } from '../../src/profiles/profile.schemas.js';
import type {
  addRouteSchema,
  listRouteSchema,
  WatchlistItem,
} from '../../src/watchlist/watchlist.schemas.js';

/**
 * Every type here comes from the server's own route contracts (`src/<domain>/<domain>.schemas.ts`,
 * which import only zod): what the server validates and documents is what the client compiles against.
 */
type Contract = { body?: z.ZodType; response: Record<number, unknown> };
/** The body a route answers with `status`. */
type Answer<
  Route extends Contract,
  Status extends keyof Route['response'] = 200,
> = Route['response'][Status] extends z.ZodType ? z.output<Route['response'][Status]> : never;
/** The body a route accepts. */
type Input<Route extends Contract> = Route['body'] extends z.ZodType ? z.input<Route['body']> : never;

export type {
  AdminHealth,
  AdminUser,
  AlertEventView,
  AlertKind,
  AlertPreview,
  AlertRuleView,
  AlertStatus,
  ApiTokenView,
  AuditEntry,
  Channel,
  CompanyProfile,
  CostBasisMethod,
  HistoryBar,
  HistoryRange,
  HistoryResolution,
  Holding,
  HoldingDetail,
  HoldingsView,
  ImportPreview,
  Invite,
  MarketStatus,
  NotificationView,
  Passkey,
  PerformanceRange,
  PerformanceView,
  PortfolioAccount,
  PortfolioSettings,
  Preferences,
  PriceHistory,
  Quote,
  QuoteDetail,
  SecurityEventItem,
  SessionListItem,
  SymbolMatch,
  TokenScope,
  Transaction,
  User,
  WatchlistItem,
  WebhookFormat,
};
export type WatchlistColumn = (typeof WATCHLIST_COLUMNS)[number];
export type SortKey = (typeof SORT_KEYS)[number];
export type AlertInput = Input<typeof createAlertRouteSchema>;
export type AlertPatch = Input<typeof patchAlertRouteSchema>;

export type UserChange = Input<typeof updateUserSchema>;
export type AuditFilter = { kind?: string; user?: string; from?: string; to?: string; offset?: number };
export type RegistrationStatus = Answer<typeof registrationSchema>;

/** `?a=1&b=2` of the given values, empty ones left out. */
function queryOf(values: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== '') query.set(key, String(value));
  }
  return query.size > 0 ? `?${query}` : '';
}

export type ChannelInput = Input<typeof createChannelRouteSchema>;
export type NewPasskey = Input<typeof registrationVerifyRouteSchema>;
export type PasskeySignIn = Input<typeof loginVerifyRouteSchema>;
export type TwoFactorStatus = Answer<typeof twoFactorStatusRouteSchema>;
export type TwoFactorSetup = Answer<typeof twoFactorSetupRouteSchema>;
export type NotificationSettings = Input<typeof putSettingsRouteSchema>;
export type TokenInput = Input<typeof createTokenRouteSchema>;
export type AccountInput = Input<typeof createAccountRouteSchema>;
export type TransactionInput = Input<typeof createTransactionRouteSchema>;
export type TransactionFilter = { account?: string; symbol?: string; page?: number; pageSize?: number };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string[]> = {},
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  // A file upload (FormData) is sent as multipart with the boundary the browser chooses.
  const form = body instanceof FormData;
  if (body !== undefined && !form) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : form ? body : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network_error', 'Cannot reach the server. Check your connection.');
  }
  if (response.status === 204) return undefined as T;
  const payload = (await response.json().catch(() => null)) as Partial<ApiErrorBody> | null;
  if (!response.ok) {
    const error = payload?.error;
    throw new ApiError(
      response.status,
      error?.code ?? 'http_error',
      error?.message ?? `The server answered ${response.status}.`,
      error?.fields,
    );
  }
  return payload as T;
}

export const api = {
  /** Who is signed in: `user` null (and no error) for an anonymous visitor. */
  whoami: () => request<Answer<typeof whoamiSchema>>('GET', '/auth/whoami'),
  registration: () => request<RegistrationStatus>('GET', '/auth/registration'),
  register: (input: Input<typeof registerSchema>) =>
    request<Answer<typeof registerSchema, 201>>('POST', '/auth/register', input),
  login: (input: Input<typeof loginSchema>) =>
    request<Answer<typeof loginSchema>>('POST', '/auth/login', input),
  /** The second step of a two-factor login: a code from the app or a recovery code. */
  loginWithCode: (input: Input<typeof loginSecondStepRouteSchema>) =>
    request<Answer<typeof loginSecondStepRouteSchema>>('POST', '/auth/login/2fa', input),
  logout: () => request<Answer<typeof logoutSchema, 204>>('POST', '/auth/logout'),
  passwordResetAvailable: () =>
    request<Answer<typeof passwordResetAvailableRouteSchema>>('GET', '/auth/password-reset'),
  requestPasswordReset: (email: string) => request<void>('POST', '/auth/password-reset', { email }),
  confirmPasswordReset: (input: Input<typeof confirmPasswordResetRouteSchema>) =>
    request<void>('POST', '/auth/password-reset/confirm', input),
  verifyEmail: (token: string) => request<void>('POST', '/auth/verify-email', { token }),
  sessions: () => request<Answer<typeof listSessionsRouteSchema>>('GET', '/me/sessions'),
  endSession: (id: string) => request<void>('DELETE', `/me/sessions/${encodeURIComponent(id)}`),
  endOtherSessions: () =>
    request<Answer<typeof endOtherSessionsRouteSchema>>('POST', '/me/sessions/end-others'),
  changePassword: (input: Input<typeof changePasswordRouteSchema>) =>
    request<Answer<typeof changePasswordRouteSchema>>('POST', '/me/password', input),
  securityLog: (before?: string) =>
    request<Answer<typeof securityLogRouteSchema>>(
      'GET',
      `/me/security-log?limit=20${before ? `&before=${encodeURIComponent(before)}` : ''}`,
    ),
  emailVerification: () =>
    request<Answer<typeof emailVerificationRouteSchema>>('GET', '/me/email-verification'),
  resendVerification: () => request<void>('POST', '/me/email-verification'),
  twoFactor: () => request<TwoFactorStatus>('GET', '/me/2fa'),
  setUpTwoFactor: () => request<TwoFactorSetup>('POST', '/me/2fa/setup'),
  enableTwoFactor: (input: Input<typeof twoFactorEnableRouteSchema>) =>
    request<Answer<typeof twoFactorEnableRouteSchema>>('POST', '/me/2fa/enable', input),
  disableTwoFactor: (input: Input<typeof twoFactorDisableRouteSchema>) =>
    request<Answer<typeof twoFactorDisableRouteSchema, 204>>('POST', '/me/2fa/disable', input),
  /** Where the browser downloads everything the account holds (a plain link: the cookie is enough). */
  exportUrl: '/api/v1/me/export',
  deleteAccount: (input: Input<typeof deleteAccountRouteSchema>) =>
    request<Answer<typeof deleteAccountRouteSchema, 204>>('DELETE', '/me', input),
  watchlist: () => request<Answer<typeof listRouteSchema>>('GET', '/watchlist'),
  addSymbol: (symbol: string) =>
    request<Answer<typeof addRouteSchema, 201>>('POST', '/watchlist', { symbol } satisfies Input<
      typeof addRouteSchema
    >),
  removeSymbol: (symbol: string) => request<void>('DELETE', `/watchlist/${encodeURIComponent(symbol)}`),
  preferences: () => request<Answer<typeof getPreferencesRouteSchema>>('GET', '/preferences'),
  savePreferences: (preferences: Input<typeof savePreferencesRouteSchema>) =>
    request<Answer<typeof savePreferencesRouteSchema>>('PUT', '/preferences', preferences),
  marketStatus: () => request<Answer<typeof marketStatusRouteSchema>>('GET', '/market/status'),
  quote: (symbol: string) =>
    request<Answer<typeof quoteRouteSchema>>('GET', `/quotes/${encodeURIComponent(symbol)}`),
  profile: (symbol: string) =>
    request<Answer<typeof profileRouteSchema>>('GET', `/quotes/${encodeURIComponent(symbol)}/profile`),
  history: (symbol: string, range: HistoryRange) =>
    request<Answer<typeof historyRouteSchema>>(
      'GET',
      `/quotes/${encodeURIComponent(symbol)}/history?range=${range}`,
    ),
  sparklines: () => request<Answer<typeof sparklinesRouteSchema>>('GET', '/watchlist/sparklines'),
  alerts: () => request<Answer<typeof listAlertsRouteSchema>>('GET', '/alerts'),
  createAlert: (input: AlertInput) =>
    request<Answer<typeof createAlertRouteSchema, 201>>('POST', '/alerts', input),
  previewAlert: (input: AlertInput) =>
    request<Answer<typeof previewAlertRouteSchema>>('POST', '/alerts/preview', input),
  updateAlert: (id: string, patch: AlertPatch) =>
    request<Answer<typeof patchAlertRouteSchema>>('PATCH', `/alerts/${encodeURIComponent(id)}`, patch),
  deleteAlert: (id: string) => request<void>('DELETE', `/alerts/${encodeURIComponent(id)}`),
  alertEvents: (id: string) =>
    request<Answer<typeof alertEventsRouteSchema>>('GET', `/alerts/${encodeURIComponent(id)}/events`),
  redeliver: (eventId: string) =>
    request<Answer<typeof redeliverRouteSchema>>(
      'POST',
      `/alerts/events/${encodeURIComponent(eventId)}/redeliver`,
    ),
  notifications: () => request<Answer<typeof listNotificationsRouteSchema>>('GET', '/notifications?limit=50'),
  markRead: (input: Input<typeof markReadRouteSchema>) =>
    request<Answer<typeof markReadRouteSchema>>('POST', '/notifications/read', input),
  channels: () => request<Answer<typeof listChannelsRouteSchema>>('GET', '/channels'),
  createChannel: (input: ChannelInput) =>
    request<Answer<typeof createChannelRouteSchema, 201>>('POST', '/channels', input),
  deleteChannel: (id: string) =>
    request<Answer<typeof deleteChannelRouteSchema, 204>>('DELETE', `/channels/${encodeURIComponent(id)}`),
  testChannel: (id: string) =>
    request<Answer<typeof testChannelRouteSchema>>('POST', `/channels/${encodeURIComponent(id)}/test`),
  notificationSettings: () => request<Answer<typeof getSettingsRouteSchema>>('GET', '/notification-settings'),
  saveNotificationSettings: (settings: NotificationSettings) =>
    request<Answer<typeof putSettingsRouteSchema>>('PUT', '/notification-settings', settings),
  pushKey: () => request<Answer<typeof pushKeyRouteSchema>>('GET', '/push/key'),
  passkeys: () => request<Answer<typeof listPasskeysRouteSchema>>('GET', '/me/passkeys'),
  passkeyRegistrationOptions: () =>
    request<Answer<typeof registrationOptionsRouteSchema>>('POST', '/me/passkeys/register/options'),
  addPasskey: (input: NewPasskey) =>
    request<Answer<typeof registrationVerifyRouteSchema, 201>>('POST', '/me/passkeys/register/verify', input),
  renamePasskey: (id: string, name: string) =>
    request<Answer<typeof renamePasskeyRouteSchema>>('PATCH', `/me/passkeys/${encodeURIComponent(id)}`, {
      name,
    } satisfies Input<typeof renamePasskeyRouteSchema>),
  deletePasskey: (id: string) =>
    request<Answer<typeof deletePasskeyRouteSchema, 204>>('DELETE', `/me/passkeys/${encodeURIComponent(id)}`),
  passkeyLoginOptions: () =>
    request<Answer<typeof loginOptionsRouteSchema>>('POST', '/auth/passkeys/login/options'),
  passkeyLogin: (input: PasskeySignIn) =>
    request<Answer<typeof loginVerifyRouteSchema>>('POST', '/auth/passkeys/login/verify', input),
  tokens: () => request<Answer<typeof listTokensRouteSchema>>('GET', '/me/tokens'),
  createToken: (input: TokenInput) =>
    request<Answer<typeof createTokenRouteSchema, 201>>('POST', '/me/tokens', input),
  revokeToken: (id: string) =>
    request<Answer<typeof revokeTokenRouteSchema, 204>>('DELETE', `/me/tokens/${encodeURIComponent(id)}`),
  adminUsers: (query: string) =>
    request<Answer<typeof listUsersSchema>>('GET', `/admin/users${queryOf({ query })}`),
  updateUser: (id: string, change: UserChange) =>
    request<Answer<typeof updateUserSchema>>('PATCH', `/admin/users/${encodeURIComponent(id)}`, change),
  deleteUser: (id: string) => request<void>('DELETE', `/admin/users/${encodeURIComponent(id)}`),
  invites: () => request<Answer<typeof listInvitesSchema>>('GET', '/admin/invites'),
  createInvite: (expiresInDays: number) =>
    request<Answer<typeof createInviteSchema, 201>>('POST', '/admin/invites', { expiresInDays }),
  revokeInvite: (id: string) => request<void>('DELETE', `/admin/invites/${encodeURIComponent(id)}`),
  adminHealth: () => request<Answer<typeof healthSchema>>('GET', '/admin/health'),
  audit: (filter: AuditFilter) =>
    request<Answer<typeof auditSchema>>('GET', `/admin/audit${queryOf(filter)}`),
  portfolioSettings: () =>
    request<Answer<typeof getPortfolioSettingsRouteSchema>>('GET', '/portfolio/settings'),
  updatePortfolioSettings: (change: Input<typeof updatePortfolioSettingsRouteSchema>) =>
    request<Answer<typeof updatePortfolioSettingsRouteSchema>>('PATCH', '/portfolio/settings', change),
  accounts: () => request<Answer<typeof listAccountsRouteSchema>>('GET', '/accounts'),
  createAccount: (input: AccountInput) =>
    request<Answer<typeof createAccountRouteSchema, 201>>('POST', '/accounts', input),
  updateAccount: (id: string, change: Input<typeof updateAccountRouteSchema>) =>
    request<Answer<typeof updateAccountRouteSchema>>('PATCH', `/accounts/${encodeURIComponent(id)}`, change),
  deletePortfolioAccount: (id: string, force: boolean) =>
    request<Answer<typeof deletePortfolioAccountRouteSchema, 204>>(
      'DELETE',
      `/accounts/${encodeURIComponent(id)}${force ? '?force=true' : ''}`,
    ),
  transactions: (filter: TransactionFilter) =>
    request<Answer<typeof listTransactionsRouteSchema>>('GET', `/transactions${queryOf(filter)}`),
  createTransaction: (input: TransactionInput) =>
    request<Answer<typeof createTransactionRouteSchema, 201>>('POST', '/transactions', input),
  updateTransaction: (id: string, change: Input<typeof updateTransactionRouteSchema>) =>
    request<Answer<typeof updateTransactionRouteSchema>>(
      'PATCH',
      `/transactions/${encodeURIComponent(id)}`,
      change,
    ),
  deleteTransaction: (id: string) =>
    request<Answer<typeof deleteTransactionRouteSchema, 204>>(
      'DELETE',
      `/transactions/${encodeURIComponent(id)}`,
    ),
  holdings: (query: { account?: string; costBasis?: CostBasisMethod }) =>
    request<Answer<typeof holdingsRouteSchema>>('GET', `/holdings${queryOf(query)}`),
  /** One holding expanded into the transactions, price and rates behind its figures. */
  holding: (symbol: string, query: { account?: string }) =>
    request<Answer<typeof holdingDetailRouteSchema>>(
      'GET',
      `/holdings/${encodeURIComponent(symbol)}${queryOf(query)}`,
    ),
  performance: (query: { range: PerformanceRange; account?: string }) =>
    request<Answer<typeof performanceRouteSchema>>('GET', `/performance${queryOf(query)}`),
  /** Reads and checks a file of transactions; nothing is written until `commitImport`. */
  previewImport: (file: File, accountId: string) => {
    const form = new FormData();
    form.set('accountId', accountId);
    form.set('file', file);
    return request<Answer<typeof importPreviewRouteSchema>>('POST', '/imports/preview', form);
  },
  commitImport: (previewId: string) =>
    request<Answer<typeof importCommitRouteSchema>>(
      'POST',
      `/imports/${encodeURIComponent(previewId)}/commit`,
    ),
  /** Where the browser downloads every transaction (a plain link: the cookie is enough). */
  transactionsExportUrl: (format: 'csv' | 'json') => `/api/v1/exports?format=${format}`,
  searchSymbols: (q: string) =>
    request<Answer<typeof searchRouteSchema>>('GET', `/symbols/search?q=${encodeURIComponent(q)}`),
};
