import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { requireSession } from './auth.hooks.js';

type Requirement = Record<string, readonly string[]>;

/**
 * The gate of every authenticated route, read from the route's own declared security (the OpenAPI
 * security requirements in its schema), so what the document says is what is enforced. A request
 * with a token: the route must list `apiToken` (else, session only: 401 `unauthenticated`), the
 * token must be valid (401 `invalid_token`) and hold every scope listed (403 `insufficient_scope`);
 * no CSRF header is needed, a token is not sent by a browser on its own. Anything else is a cookie
 * request: the session, and its CSRF token for writes.
 */
export async function requireAccess(request: FastifyRequest): Promise<void> {
  const { bearer } = request;
  if (!bearer) return requireSession(request);
  const security = (request.routeOptions.schema?.security ?? []) as Requirement[];
  const scopes = security.find((requirement) => 'apiToken' in requirement)?.apiToken;
  if (!scopes) {
    throw new AppError(
      'unauthenticated',
      'This call needs a signed-in session: an API token cannot manage the account.',
    );
  }
  if (!bearer.valid) throw new AppError('invalid_token');
  const missing = scopes.find((scope) => !bearer.scopes.includes(scope));
  if (missing !== undefined) {
    throw new AppError('insufficient_scope', `This call needs a token with the "${missing}" scope.`);
  }
}

/** The id of the user an authenticated request acts for: its session's or its token's. */
export function callerId(request: FastifyRequest): string {
  const id = optionalCallerId(request);
  if (id === undefined) throw new AppError('unauthenticated');
  return id;
}

/** The user a request acts for, if any (a request outside the authenticated routes may have none). */
export function optionalCallerId(request: FastifyRequest): string | undefined {
  if (request.bearer) return request.bearer.valid ? request.bearer.userId : undefined;
  return request.auth?.user.id;
}
