import { z } from 'zod';
import { type ErrorCode, errorCatalogue } from '../errors.js';

/**
 * What every part of the API contract shares: the error body, the text-field rule and the security
 * requirements. Like every `*.schemas.ts` module it imports only zod (and the error catalogue, which
 * imports nothing), so the web client builds its types from the same schemas the server validates.
 */

/** C0 controls, DEL and C1 controls: no text field means them, and PostgreSQL refuses NUL outright. */
const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * Every free-text field of a request starts here: required (with a message naming the field), and
 * refused with a 400 when it carries a control character, before anything reaches a service.
 */
export function text(label: string) {
  return z.string({ error: `${label} is required.` }).refine((value) => !CONTROL_CHARACTER.test(value), {
    error: `${label} may not contain control characters.`,
  });
}

/** Which security schemes a route takes: any one entry of the list suffices (OpenAPI's meaning). */
type SecurityRequirements = Array<Record<string, string[]>>;

/** A route anyone may call. */
export const open: SecurityRequirements = [];
/** A route that answers anyone, and says more with the session cookie. */
export const optionallySignedIn: SecurityRequirements = [{}, { sessionCookie: [] }];
/**
 * A route that needs the session cookie: the account's own business (tokens, passwords, second
 * factors, sessions, the account, admin). An API token is refused there.
 */
export const signedIn = [{ sessionCookie: [] }];
/** A state-changing route of the account: the session cookie and its CSRF token in `X-CSRF-Token`. */
export const signedInWrite = [{ sessionCookie: [], csrfHeader: [] }];

/** What a personal API token may be granted (`portfolio:write`: settings, accounts and transactions). */
export const TOKEN_SCOPES = ['read', 'watchlist:write', 'portfolio:write', 'alerts:write'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/**
 * A data route: the session cookie, or `Authorization: Bearer st_…` with a token holding `scope`.
 * The gate of the authenticated routes reads this very list, so the document cannot promise what
 * the server does not enforce.
 */
export function sessionOrToken(scope: TokenScope): SecurityRequirements {
  return [{ sessionCookie: [] }, { apiToken: [scope] }];
}
/** A state-changing data route: the cookie with its CSRF token, or a token holding `scope` (no CSRF). */
export function sessionWriteOrToken(scope: TokenScope): SecurityRequirements {
  return [{ sessionCookie: [], csrfHeader: [] }, { apiToken: [scope] }];
}
/** Reading the user's data: any token with `read`. */
export const readAccess = sessionOrToken('read');

/** Codes any route with a JSON body can answer. */
export const BODY_ERRORS = [
  'validation_error',
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
] as const satisfies readonly ErrorCode[];
/** Codes of a route behind `signedIn`. */
export const SESSION_ERRORS = ['unauthenticated'] as const satisfies readonly ErrorCode[];
/** Codes of a route behind `signedInWrite`. */
export const WRITE_ERRORS = ['unauthenticated', 'csrf_failed'] as const satisfies readonly ErrorCode[];
/** Codes of a route behind `sessionOrToken`. */
export const READ_ERRORS = [
  'unauthenticated',
  'invalid_token',
  'insufficient_scope',
] as const satisfies readonly ErrorCode[];
/** Codes of a route behind `sessionWriteOrToken`. */
export const DATA_WRITE_ERRORS = [
  ...WRITE_ERRORS,
  'invalid_token',
  'insufficient_scope',
] as const satisfies readonly ErrorCode[];
/** Codes of a route that asks the market-data provider. */
export const PROVIDER_ERRORS = [
  'data_plan_required',
  'provider_unavailable',
  'provider_key_refused',
] as const satisfies readonly ErrorCode[];

function errorBody(codes: [ErrorCode, ...ErrorCode[]]) {
  return z
    .object({
      error: z.object({
        code: z.enum(codes),
        message: z.string().meta({ description: 'For people; may change. Clients act on `code`.' }),
        fields: z
          .record(z.string(), z.array(z.string()))
          .optional()
          .meta({ description: 'For `validation_error`: what is wrong with each field.' }),
      }),
    })
    .meta({ description: codes.map((code) => `\`${code}\``).join(', ') });
}

/**
 * The error responses of a route, one per HTTP status, each listing exactly the codes the route can
 * answer with that status (the serializer refuses any other, so the list cannot drift from the code).
 * Every route is rate limited, may find the database away and may fail on our side;
 * `unlimitedErrorResponses` is for the few that are not rate limited.
 */
export function errorResponses(...groups: ReadonlyArray<ErrorCode | readonly ErrorCode[]>) {
  return unlimitedErrorResponses(...groups, 'rate_limited', 'database_unavailable');
}

export function unlimitedErrorResponses(...groups: ReadonlyArray<ErrorCode | readonly ErrorCode[]>) {
  const byStatus = new Map<number, Set<ErrorCode>>();
  for (const code of [...groups.flat(), 'internal_error' as const]) {
    const { status } = errorCatalogue[code];
    const codes = byStatus.get(status) ?? new Set();
    codes.add(code);
    byStatus.set(status, codes);
  }
  const responses: Record<number, ReturnType<typeof errorBody>> = {};
  for (const [status, codes] of byStatus) {
    responses[status] = errorBody([...codes] as [ErrorCode, ...ErrorCode[]]);
  }
  return responses;
}

/** The body of every error answer, whatever its code. */
const apiErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.record(z.string(), z.array(z.string())).optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;

/** 204 and other answers without a body. */
export const noContent = z.undefined().meta({ description: 'No content.' });

/** ISO 8601 date and time, as every time in the API is sent. */
export const isoDateTime = z.iso.datetime({ offset: true });

/** The `:id` of a resource's address (an alert, a firing, a channel). */
export const idParams = z.object({
  id: z.uuid({ error: 'Not an id.' }).meta({ examples: ['0b6f3f0e-8f5d-4f7e-9d55-2f6a1c1f4a10'] }),
});
