import helmet from '@fastify/helmet';
import type { FastifyStaticOptions } from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

/** The two settings the headers and the Origin check read (the app's Config has them). */
interface SiteSettings {
  readonly env: 'development' | 'production' | 'test';
  readonly publicUrl: URL | undefined;
}

/**
 * Security headers on every response. Scripts and styles only from our own origin (no inline code
 * anywhere in the pages), no framing, no sniffing; HSTS only in production, where the site is https.
 */
export async function registerSecurityHeaders(app: FastifyInstance, config: SiteSettings): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(config.env === 'production'
          ? { upgradeInsecureRequests: [] }
          : { upgradeInsecureRequests: null }),
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity:
      config.env === 'production' ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
}

/**
 * How the built front end is served: the brotli or gzip file the build wrote beside each asset when
 * the browser takes it, Vite's content-hashed files (`/assets/`) cached for a year (a new build
 * gives them new names), everything else (index.html, the icon) revalidated on every load.
 */
export const webAssetServing: Pick<FastifyStaticOptions, 'preCompressed' | 'cacheControl' | 'setHeaders'> = {
  preCompressed: true,
  cacheControl: false,
  setHeaders(response, path) {
    response.setHeader('Vary', 'Accept-Encoding');
    response.setHeader(
      'Cache-Control',
      path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
  },
};

/**
 * Refuses a request whose Origin names another site: its whole origin (scheme, host and port) must
 * equal PUBLIC_URL's when that is set, else the request's own (its scheme, as the proxy reports it
 * when TRUST_PROXY is set, and its Host). A request without Origin (curl, scripts) passes; cookies
 * are SameSite=Lax and state-changing calls also need the CSRF header.
 */
export function assertSameOrigin(request: FastifyRequest, config: SiteSettings): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const expected = config.publicUrl?.origin ?? originOf(`${request.protocol}://${request.host}`);
  if (!expected || originOf(origin) !== expected) throw new AppError('forbidden_origin');
}

/** `scheme://host[:port]`, lower-cased and without a default port; undefined when not a URL. */
function originOf(value: string): string | undefined {
  try {
    const { origin } = new URL(value);
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}
