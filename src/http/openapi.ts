import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { createJsonSchemaTransformObject, jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { projectPath } from '../project-root.js';
import { errorResponses, open } from './api.schemas.js';

const OPENAPI_PATH = '/api/v1/openapi.json';
const API_DOCS_PATH = '/api/docs';

const { version } = JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string };

const TAGS = [
  { name: 'auth', description: 'Accounts and sessions: a session cookie, and a CSRF token for writes.' },
  { name: 'passkeys', description: 'WebAuthn passkeys: adding them in settings, and signing in with one.' },
  {
    name: 'account',
    description:
      'Your own account (session cookie only): sessions, password, security log, email address, two-factor sign-in, export, deletion.',
  },
  {
    name: 'tokens',
    description: 'Personal API tokens for scripts: `Authorization: Bearer st_…`, with scopes.',
  },
  { name: 'watchlist', description: "The user's symbols, with quotes and key figures." },
  { name: 'market', description: 'Quotes, symbol search and market hours.' },
  { name: 'history', description: 'Price bars for charts and sparklines.' },
  { name: 'profiles', description: 'Company profiles and logos.' },
  { name: 'preferences', description: "The user's display settings." },
  { name: 'stream', description: 'Live prices over a WebSocket.' },
  { name: 'alerts', description: 'Price alert rules, their backtest and their log of firings.' },
  {
    name: 'portfolio',
    description:
      'Holdings: accounts, transactions, what you hold, what it cost and what it is worth (exact decimals), how it performed, and importing and exporting transactions.',
  },
  { name: 'notifications', description: 'The notification centre: what the user was told in the app.' },
  {
    name: 'channels',
    description: 'Where alerts are delivered (email, signed webhooks, browser push) and quiet hours.',
  },
  {
    name: 'admin',
    description:
      'Running the instance (administrators only, 403 `forbidden` to others): users, invitations, health, the audit log.',
  },
  { name: 'operations', description: 'Health, readiness, metrics and this document.' },
];

const DESCRIPTION = `JSON under \`/api/v1\`. Errors are always \`{"error":{"code","message","fields"?}}\` with a stable snake_case \`code\`; each operation lists the codes it can answer. Cookie-authenticated \`POST\`/\`PUT\`/\`PATCH\`/\`DELETE\` need the header \`X-CSRF-Token\` (returned by register, login and \`GET /auth/session\`). Scripts send a personal API token instead (\`Authorization: Bearer st_…\`, no CSRF header) on the operations whose security lists \`apiToken\`, with the scope named there: a wrong, expired or revoked token gets 401 \`invalid_token\`, one without the scope 403 \`insufficient_scope\`. Limits: 600 requests a minute per user (per token for token requests), 1,200 per address; bodies over 16 KiB get 413.`;

/**
 * The OpenAPI 3.1 document of every route, built from the routes' own zod schemas (so it cannot say
 * something the validators and serializers do not enforce), served at `/api/v1/openapi.json`, and a
 * reference page rendered by the web app at `/api/docs`. Registered before the routes, so it sees them all.
 */
export async function registerOpenApi(
  app: FastifyInstance,
  {
    sessionCookie,
    docsPage,
  }: {
    /** The session cookie's name, for the document's security scheme. */
    sessionCookie: string;
    docsPage: boolean;
  },
): Promise<void> {
  const toComponents = createJsonSchemaTransformObject({});
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Stock Tracker API',
        version,
        description: DESCRIPTION,
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: '/', description: 'This server' }],
      tags: TAGS,
      components: {
        securitySchemes: {
          sessionCookie: {
            type: 'apiKey',
            in: 'cookie',
            name: sessionCookie,
            description: 'Set by register and login; HttpOnly, SameSite=Lax.',
          },
          csrfHeader: {
            type: 'apiKey',
            in: 'header',
            name: 'X-CSRF-Token',
            description: "The session's CSRF token, returned by register, login and GET /auth/session.",
          },
          apiToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'st_ + 32 base62 characters + a 6-character base62 CRC32 checksum',
            description:
              'A personal API token (`POST /me/tokens`), sent as `Authorization: Bearer st_…`; no CSRF header. The scopes listed on an operation are the ones its token needs: `read`, `watchlist:write`, `portfolio:write`, `alerts:write`. Operations that do not list this scheme refuse tokens.',
          },
        },
      },
    },
    transform: (route) => {
      // @fastify/websocket hides its routes from documents; the stream is part of the API, so it shows.
      const shown =
        route.route.websocket && route.schema
          ? { ...route, schema: { ...route.schema, hide: false } }
          : route;
      const transformed = jsonSchemaTransform(shown);
      const schema = transformed.schema as Record<string, unknown>;
      schema.operationId ??= operationId(route.route.method, route.url);
      return transformed;
    },
    transformObject: (document) => describeResponses(withoutUnusedSchemas(toComponents(document))),
  });

  app.get(
    OPENAPI_PATH,
    {
      schema: {
        tags: ['operations'],
        security: open,
        summary: 'This OpenAPI document',
        response: {
          200: z.looseObject({ openapi: z.literal('3.1.0') }).meta({ description: 'OpenAPI 3.1.' }),
          ...errorResponses(),
        },
      },
    },
    async () => app.swagger(),
  );

  app.get(
    API_DOCS_PATH,
    {
      schema: {
        tags: ['operations'],
        security: open,
        summary: 'The API reference page',
        description: 'A page of the web app that reads this document.',
        response: {
          200: { description: 'HTML.', content: { 'text/html': { schema: z.string() } } },
          ...errorResponses('not_found'),
        },
      },
    },
    async (_request, reply) => {
      if (!docsPage) throw new AppError('not_found', 'The web app is not built, so there is no API page.');
      return reply.type('text/html').sendFile('docs.html');
    },
  );
}

/** `GET /api/v1/quotes/:symbol/history` → `getQuotesSymbolHistory`: unique and stable, from the route itself. */
function operationId(method: string | string[], url: string): string {
  const verb = (Array.isArray(method) ? (method[0] ?? 'get') : method).toLowerCase();
  const words = url
    .replace(/^\/api\/v1/, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return verb + words.map((word) => word[0]?.toUpperCase() + word.slice(1)).join('');
}

/**
 * Every registered schema comes out twice (as read and as written); keep only the components the
 * operations reach, so the document has no dead entries. `document` is the fresh object the
 * transform just built.
 */
function withoutUnusedSchemas<T extends object>(document: T): T {
  const { paths, components } = document as {
    paths?: unknown;
    components?: { schemas?: Record<string, unknown> };
  };
  const schemas = components?.schemas ?? {};
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') {
        const name = child.replace('#/components/schemas/', '');
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else visit(child);
    }
  };
  visit(paths);
  for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name];
  return document;
}

/**
 * A response whose schema is a shared component gets its description from the component (or the
 * status's name) instead of @fastify/swagger's "Default Response".
 */
function describeResponses<T extends object>(document: T): T {
  const { paths, components } = document as {
    paths?: Record<string, Record<string, { responses?: Record<string, ResponseObject> }>>;
    components?: { schemas?: Record<string, { description?: string }> };
  };
  for (const operation of Object.values(paths ?? {}).flatMap((path) => Object.values(path))) {
    for (const [status, response] of Object.entries(operation.responses ?? {})) {
      if (response.description !== 'Default Response') continue;
      const ref = response.content?.['application/json']?.schema?.$ref;
      const component = ref ? components?.schemas?.[ref.replace('#/components/schemas/', '')] : undefined;
      response.description = component?.description ?? STATUS_CODES[status] ?? status;
    }
  }
  return document;
}

interface ResponseObject {
  description?: string;
  content?: Record<string, { schema?: { $ref?: string } }>;
}
