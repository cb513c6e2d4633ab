import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';

/** `__Host-` pins the cookie to this exact origin over https; plain http (development) cannot use it. */
export function sessionCookieName(config: Config): string {
  return config.secureCookies ? '__Host-st_session' : 'st_session';
}

export function readSessionToken(request: FastifyRequest, config: Config): string | undefined {
  const value = request.cookies[sessionCookieName(config)];
  return value && value.length <= 200 ? value : undefined;
}

export function setSessionCookie(reply: FastifyReply, config: Config, token: string, expiresAt: Date): void {
  reply.setCookie(sessionCookieName(config), token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: config.secureCookies,
    expires: expiresAt,
  });
}

export function clearSessionCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(sessionCookieName(config), {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: config.secureCookies,
  });
}
