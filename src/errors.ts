/**
 * The one catalogue of errors a client can see. Each has a stable snake_case code that clients may
 * rely on and an HTTP status; services throw these, one handler in `http/error-handler.ts` renders
 * them as `{"error":{"code","message","fields"?}}`.
 */
export const errorCatalogue = {
  validation_error: { status: 400, message: 'Some fields are invalid.' },
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  invalid_symbol: { status: 400, message: 'That is not a valid symbol.' },
  invalid_webhook_url: {
    status: 400,
    message: 'That URL cannot take webhooks: it must be http(s) and reach a public address.',
  },
  unauthenticated: { status: 401, message: 'You need to log in.' },
  invalid_credentials: { status: 401, message: 'Wrong username or password.' },
  csrf_failed: { status: 403, message: 'Missing or wrong X-CSRF-Token header.' },
  forbidden_origin: { status: 403, message: 'Cross-site requests are not allowed.' },
  data_plan_required: {
    status: 403,
    message: 'This symbol needs a paid market data plan.',
  },
  not_found: { status: 404, message: 'Not found.' },
  unknown_symbol: { status: 404, message: 'The market data provider does not know that symbol.' },
  not_in_portfolio: { status: 404, message: 'That symbol is not in your portfolio.' },
  no_logo: { status: 404, message: 'There is no logo for that symbol.' },
  alert_not_found: { status: 404, message: 'No such alert.' },
  alert_event_not_found: { status: 404, message: 'No such alert firing.' },
  channel_not_found: { status: 404, message: 'No such notification channel.' },
  // Passkeys (issue 11, passkeys part).
  passkey_challenge_invalid: {
    status: 400,
    message: 'That passkey request expired or was already used. Start again.',
  },
  passkey_verification_failed: { status: 400, message: 'The passkey’s answer could not be verified.' },
  passkey_unknown: { status: 401, message: 'This passkey is not registered with this server.' },
  passkey_login_failed: { status: 401, message: 'The passkey sign-in could not be verified.' },
  passkey_not_found: { status: 404, message: 'No such passkey.' },
  passkey_already_registered: { status: 409, message: 'That passkey is already registered.' },
  method_not_allowed: { status: 405, message: 'Method not allowed.' },
  username_taken: { status: 409, message: 'That username is taken.' },
  email_taken: { status: 409, message: 'An account with that email already exists.' },
  already_in_portfolio: { status: 409, message: 'That symbol is already in your portfolio.' },
  email_not_configured: { status: 409, message: 'This server cannot send email (no SMTP configured).' },
  alert_limit_reached: { status: 409, message: 'You have as many active alerts as allowed.' },
  nothing_to_redeliver: {
    status: 409,
    message: 'Every channel of that firing was delivered or is still trying.',
  },
  // Sessions, passwords and account email (issue 11, "sessions" part).
  session_not_found: { status: 404, message: 'No such session.' },
  invalid_link: {
    status: 400,
    message: 'This link is invalid, has expired or was already used. Ask for a new one.',
  },
  // Sign-in part of issue 11: two-factor sign-in, re-authentication, account deletion.
  invalid_code: {
    status: 400,
    message: 'That code is not valid: it is wrong, too old, or was already used.',
  },
  two_factor_code_required: {
    status: 400,
    message:
      'This account has two-factor sign-in: send a code from the authenticator app or a recovery code.',
  },
  pending_login_expired: {
    status: 401,
    message: 'This sign-in has expired or had too many wrong codes. Sign in with the password again.',
  },
  wrong_password: { status: 403, message: 'The password is wrong.' },
  two_factor_not_set_up: { status: 409, message: 'Start the two-factor setup first.' },
  two_factor_not_enabled: { status: 409, message: 'Two-factor sign-in is not enabled.' },
  two_factor_already_enabled: { status: 409, message: 'Two-factor sign-in is already enabled.' },
  // Admin part of issue 11: roles, registration modes, invites, the admin console.
  forbidden: { status: 403, message: 'Only an administrator may do that.' },
  registration_closed: {
    status: 403,
    message: 'Registration is closed on this server. Ask its administrator for an account.',
  },
  invite_invalid: {
    status: 403,
    message: 'That invitation is not valid: it was used, revoked or has expired. Ask for a new one.',
  },
  account_disabled: { status: 403, message: 'This account is disabled. Ask the administrator.' },
  user_not_found: { status: 404, message: 'No such user.' },
  invite_not_found: { status: 404, message: 'No such invitation.' },
  last_admin: {
    status: 409,
    message: 'That would leave no active administrator: promote another account first.',
  },
  account_not_found: { status: 404, message: 'No such account.' },
  account_name_taken: { status: 409, message: 'You already have an account with that name.' },
  account_not_empty: {
    status: 409,
    message: 'The account has transactions: delete it with force=true to delete them too.',
  },
  transaction_not_found: { status: 404, message: 'No such transaction.' },
  insufficient_quantity: { status: 400, message: 'That sells more than the account holds at that date.' },
  fx_rate_required: {
    status: 400,
    message: 'No exchange rate is known for that currency and date: give fxRate.',
  },
  import_not_found: { status: 404, message: 'No such import preview (it may have expired).' },
  import_has_errors: {
    status: 409,
    message: 'The import has rows with errors: fix the file and preview it again.',
  },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json.' },
  rate_limited: { status: 429, message: 'Too many requests. Try again later.' },
  // Personal API tokens (issue 11, tokens part).
  invalid_token: {
    status: 401,
    message: 'The API token is wrong, malformed, expired or revoked.',
  },
  insufficient_scope: { status: 403, message: 'The API token lacks the scope this call needs.' },
  token_not_found: { status: 404, message: 'No such API token.' },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
  provider_unavailable: {
    status: 503,
    message: 'The market data provider is not answering right now. Try again in a moment.',
  },
  provider_key_refused: {
    status: 503,
    message:
      'Prices are unavailable: the market data provider refused this server’s API key. The operator needs to check it.',
  },
  not_ready: { status: 503, message: 'The database is not answering.' },
  database_unavailable: {
    status: 503,
    message: 'The database is not answering right now. Nothing was changed; try again in a moment.',
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly fields?: Record<string, string[]>,
    /** Seconds, sent as Retry-After (429, 503). */
    readonly retryAfter?: number,
  ) {
    super(message ?? errorCatalogue[code].message);
    this.name = 'AppError';
    this.status = errorCatalogue[code].status;
  }
}

/**
 * Why a market-data provider could not answer; the message is ours, never the upstream's (it may
 * carry a URL or key). Not shown as is: the error handler tells it as one of the codes above.
 */
export class ProviderError extends Error {
  constructor(
    readonly reason:
      | 'unavailable'
      | 'rate_limited'
      | 'unauthorized'
      | 'plan_required'
      | 'timeout'
      /** The requesting user has spent their share of the calls everyone shares. */
      | 'user_share_spent',
    message: string,
    /** When a call could be made again, in seconds (for `rate_limited` and `user_share_spent`). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}
