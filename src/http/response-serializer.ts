import { serializerCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';

/**
 * Every answer passes its route's documented response schema. A success body that does not match
 * is refused (the error handler answers 500 `internal_error`). An error answer whose code the route
 * does not document still goes out as it is, so the client gets the real status and the one error
 * shape instead of Fastify's own 500; the gap in the document is logged as an error to fix.
 */
export function responseSerializer(logger: Logger): typeof serializerCompiler {
  return (route) => {
    const documented = serializerCompiler(route);
    if (Number(route.httpStatus) < 400) return documented;
    return (data) => {
      try {
        return documented(data);
      } catch {
        logger.error(
          { method: route.method, url: route.url, status: route.httpStatus, code: codeOf(data) },
          'an error answer the route does not document',
        );
        return JSON.stringify(data);
      }
    };
  };
}

function codeOf(data: unknown): unknown {
  return (data as { error?: { code?: unknown } } | null)?.error?.code;
}
