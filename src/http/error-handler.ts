import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode, errorCatalogue, ProviderError } from '../errors.js';

interface ErrorBody {
  error: { code: ErrorCode; message: string; fields?: Record<string, string[]> };
}

/** Fastify's own error codes for bad requests, mapped to ours so a client never sees a 500 for bad input. */
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_error',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
};

/**
 * @param appShell when the built front end is served: a page address the server has no file for gets
 *   the app shell (index.html) so the browser-side router can show it; API paths still get JSON 404s.
 */
export function registerErrorHandling(app: FastifyInstance, { appShell }: { appShell: boolean }): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error);
    if (appError.code === 'internal_error') {
      request.log.error({ err: describeForLog(error) }, 'unhandled error');
    }
    if (appError.retryAfter !== undefined) reply.header('Retry-After', String(appError.retryAfter));
    const body: ErrorBody = { error: { code: appError.code, message: appError.message } };
    if (appError.fields) body.error.fields = appError.fields;
    return reply.code(appError.status).type('application/json').send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const wantsPage =
      appShell &&
      (request.method === 'GET' || request.method === 'HEAD') &&
      !request.url.startsWith('/api/') &&
      (request.headers.accept ?? '').includes('text/html');
    if (wantsPage) return reply.type('text/html').sendFile('index.html');
    return notFound(request, reply);
  });
}

function notFound(request: FastifyRequest, reply: FastifyReply) {
  return reply.code(404).send({
    error: { code: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}.` },
  });
}

/**
 * The one translation of any error into what the client sees. A provider failure (thrown by the
 * market-data provider anywhere below a route) is told as such, never in the upstream's words (they
 * may carry a URL or key).
 */
function toAppError(error: FastifyError): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof ProviderError) {
    if (error.reason === 'plan_required') return new AppError('data_plan_required');
    if (error.reason === 'unauthorized')
      return new AppError('provider_key_refused', undefined, undefined, 60);
    if (error.reason === 'user_share_spent') {
      return new AppError(
        'rate_limited',
        'You have made many market data requests this minute; others share them too. Try again shortly.',
        undefined,
        error.retryAfterSeconds,
      );
    }
    return new AppError(
      'provider_unavailable',
      undefined,
      undefined,
      error.reason === 'rate_limited' ? 60 : 5,
    );
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const fields: Record<string, string[]> = {};
    for (const issue of error.validation) {
      const key = issue.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'body';
      const messages = fields[key] ?? [];
      messages.push(issue.message ?? 'Invalid value.');
      fields[key] = messages;
    }
    const where = error.validationContext ?? 'body';
    return new AppError(
      'validation_error',
      `Some ${where === 'body' ? 'fields' : `${where} values`} are invalid.`,
      fields,
    );
  }
  if (isDatabaseUnreachable(error)) {
    return new AppError('database_unavailable', undefined, undefined, 5);
  }
  const mapped = error.code ? fastifyCodes[error.code] : undefined;
  if (mapped) return new AppError(mapped);
  if (error.statusCode === 413) return new AppError('payload_too_large');
  if (error.statusCode === 429) return new AppError('rate_limited');
  if (error.statusCode === 415) return new AppError('unsupported_media_type');
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    const code: ErrorCode =
      error.statusCode === 404
        ? 'not_found'
        : error.statusCode === 405
          ? 'method_not_allowed'
          : 'validation_error';
    return new AppError(code, code === 'validation_error' ? safeMessage(error) : undefined);
  }
  return new AppError('internal_error');
}

/** Socket errors of a database server that is down or restarting, and PostgreSQL's own for it. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
]);

/**
 * Whether a query failed because the database server cannot be reached (not because of the query):
 * the driver's error is looked for along Drizzle's `cause` chain.
 */
function isDatabaseUnreachable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const candidate = current as { code?: unknown; message?: unknown; cause?: unknown };
    const code = typeof candidate.code === 'string' ? candidate.code : '';
    if (UNREACHABLE_CODES.has(code) || code.startsWith('08')) return true;
    const message = typeof candidate.message === 'string' ? candidate.message : '';
    if (/Connection terminated|timeout exceeded when trying to connect/.test(message)) return true;
    current = candidate.cause;
  }
  return false;
}

/** Client-error messages from Fastify describe the request, never a secret; still, keep them short. */
function safeMessage(error: FastifyError): string {
  return error.message.slice(0, 200) || errorCatalogue.validation_error.message;
}

/**
 * Drizzle's query errors carry the statement's parameters (password hashes, token hashes): log the
 * driver's own message and the statement, never the parameters.
 */
function describeForLog(error: Error): Record<string, unknown> {
  const cause = (error as { cause?: unknown }).cause;
  const query = (error as { query?: unknown }).query;
  return {
    type: error.name,
    message: typeof query === 'string' ? 'database query failed' : error.message,
    query: typeof query === 'string' ? query : undefined,
    cause: cause instanceof Error ? cause.message : undefined,
    stack: typeof query === 'string' ? undefined : error.stack,
  };
}
