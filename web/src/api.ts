/** The browser's client for /api/v1: JSON in and out, the CSRF header on every state-changing call. */

import type { z } from 'zod';
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
  loginSchema,
  logoutSchema,
  registerSchema,
  registrationSchema,
  User,
  whoamiSchema,
} from '../../src/auth/auth.schemas.js';
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
import type { ApiErrorBody } from '../../src/http/api.schemas.js';
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
  AuditEntry,
  Channel,
  CompanyProfile,
  HistoryBar,
  HistoryRange,
  HistoryResolution,
  Invite,
  MarketStatus,
  NotificationView,
  Preferences,
  PriceHistory,
  Quote,
  QuoteDetail,
  SymbolMatch,
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
export type NotificationSettings = Input<typeof putSettingsRouteSchema>;

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
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
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
  logout: () => request<Answer<typeof logoutSchema, 204>>('POST', '/auth/logout'),
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
  searchSymbols: (q: string) =>
    request<Answer<typeof searchRouteSchema>>('GET', `/symbols/search?q=${encodeURIComponent(q)}`),
};
