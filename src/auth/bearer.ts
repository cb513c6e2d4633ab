import type { FastifyRequest } from 'fastify';

/** A request's `Authorization: Bearer …` as the token module found it. */
export type BearerCredential =
  | { valid: true; tokenId: string; userId: string; scopes: readonly string[] }
  | { valid: false };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request sent `Authorization: Bearer …`; its session cookie is then ignored. */
    bearer: BearerCredential | null;
  }
}

const BEARER = /^Bearer\s+(\S*)\s*$/i;

/**
 * The token of an `Authorization: Bearer` header: '' for a Bearer header without one, undefined
 * without a Bearer header (other schemes, e.g. a proxy's Basic authentication, are not ours).
 */
export function bearerTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || !/^Bearer(\s|$)/i.test(header)) return undefined;
  return BEARER.exec(header)?.[1] ?? '';
}
