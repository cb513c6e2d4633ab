import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../src/project-root.js';
import { startSmtpServer } from '../support/delivery-fakes.js';
import { StreamClient } from '../support/stream-client.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  example?: unknown;
  schema?: { examples?: unknown[] };
}
interface Operation {
  operationId: string;
  deprecated?: boolean;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Parameter[];
  requestBody?: {
    content: Record<
      string,
      { schema: object; example?: unknown; examples?: Record<string, { value: unknown }> }
    >;
  };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
  [extension: `x-${string}`]: unknown;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  tags?: Array<{ name: string }>;
  components: { schemas: Record<string, object>; securitySchemes: Record<string, object> };
}

const exec = promisify(execFile);

/** Runs Redocly's linter (installed, offline) on a document with the project's redocly.yaml. */
async function lint(document: unknown): Promise<{ ok: boolean; output: string }> {
  const folder = mkdtempSync(join(tmpdir(), 'openapi-'));
  const file = join(folder, 'openapi.json');
  writeFileSync(file, JSON.stringify(document, null, 2));
  try {
    const { stdout, stderr } = await exec(
      projectPath('node_modules/.bin/redocly'),
      ['lint', file, '--config', projectPath('redocly.yaml'), '--format', 'stylish'],
      { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
    );
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: stdout + stderr };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

function operationsOf(document: OpenApiDocument) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({
      method,
      path,
      operation: item[method] as Operation,
    })),
  );
}

/** The document's own example of a parameter. */
function exampleOf(parameter: Parameter): string {
  const example = parameter.example ?? parameter.schema?.examples?.[0];
  if (example === undefined) throw new Error(`parameter ${parameter.name} has no example`);
  return String(example);
}

describe('the OpenAPI document', () => {
  let t: TestApp;
  let document: OpenApiDocument;
  let webRoot: string;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });

  /** Validates a body against a schema of the document (its `$ref`s resolve into its components). */
  const validate = (schema: object, body: unknown) => {
    const check = ajv.compile({ ...schema, components: document.components });
    return check(body) ? [] : (check.errors ?? []);
  };

  /** The request body's example: on the media type, or on the schema it refers to. */
  const bodyExampleOf = (operation: Operation) => {
    const media = operation.requestBody?.content['application/json'];
    if (!media) return undefined;
    const ref = (media.schema as { $ref?: string }).$ref;
    const schema = (
      ref ? document.components.schemas[ref.replace('#/components/schemas/', '')] : media.schema
    ) as {
      examples?: unknown[];
    };
    const named = media.examples ? Object.values(media.examples)[0]?.value : undefined;
    const example = media.example ?? named ?? schema.examples?.[0];
    if (example === undefined) throw new Error(`${operation.operationId} has no example body`);
    return example;
  };

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'web-'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(webRoot, 'docs.html'), '<!doctype html><title>API reference</title>');
    // With SMTP, so the account email routes answer as they do when they work.
    smtp = await startSmtpServer();
    t = await startTestApp({
      database: 'pglite',
      listen: true,
      webRoot,
      env: { SMTP_URL: smtp.url, MAIL_FROM: 'accounts@example.com' },
    });
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    document = response.json();
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
    rmSync(webRoot, { recursive: true, force: true });
  });

  it('is OpenAPI 3.1 with the session cookie, the CSRF header and API tokens as security schemes', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes).toEqual({
      sessionCookie: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'st_session' }),
      csrfHeader: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-CSRF-Token' }),
      apiToken: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    for (const { method, path, operation } of operationsOf(document)) {
      const where = `${method} ${path}`;
      expect(operation.security, where).toBeDefined();
      const security = operation.security ?? [];
      const cookie = security.filter((requirement) => 'sessionCookie' in requirement);
      const token = security.filter((requirement) => 'apiToken' in requirement);
      // A write with the cookie always needs the CSRF header too; a token never does.
      if (method !== 'get' && cookie.length > 0)
        expect(cookie, where).toEqual([{ sessionCookie: [], csrfHeader: [] }]);
      for (const requirement of token) {
        expect(Object.keys(requirement), where).toEqual(['apiToken']);
        expect(requirement.apiToken?.length, where).toBe(1);
      }
      // Tokens never reach the account: its tokens, passwords, second factors, sessions, admin.
      if (/\/api\/v1\/(me|admin|auth)(\/|$)/.test(path)) expect(token, where).toEqual([]);
      // Reading data needs `read`; every data route takes a token.
      if (method === 'get' && token.length > 0) expect(token, where).toEqual([{ apiToken: ['read'] }]);
      if (cookie.length > 0 && !/\/api\/v1\/(me|admin|auth)(\/|$)/.test(path))
        expect(token.length, `${where} takes no token`).toBe(1);
    }
  });

  it('declares the tag of every operation, so the reference page lists each under its heading', () => {
    const declared = new Set((document.tags ?? []).map((tag) => tag.name));
    for (const { method, path, operation } of operationsOf(document)) {
      expect(operation.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
      for (const tag of operation.tags ?? []) expect(declared, `${method} ${path}`).toContain(tag);
    }
  });

  it('marks the /portfolio alias of the watchlist deprecated, and nothing else', () => {
    const deprecated = operationsOf(document)
      .filter(({ operation }) => operation.deprecated)
      .map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(deprecated.sort()).toEqual([
      'DELETE /api/v1/portfolio/{symbol}',
      'GET /api/v1/portfolio',
      'GET /api/v1/portfolio/sparklines',
      'POST /api/v1/portfolio',
    ]);
  });

  it("passes Redocly's linter (recommended-strict), which does fail on a broken document", async () => {
    const result = await lint(document);
    expect(result.output).toContain('valid');
    expect(result.ok, result.output).toBe(true);

    const broken = structuredClone(document);
    const [first, second] = operationsOf(broken);
    if (!first || !second) throw new Error('too few operations');
    second.operation.operationId = first.operation.operationId;
    expect((await lint(broken)).ok).toBe(false);
  }, 60_000);

  it('answers every operation, called with its own examples, with a documented status and body', async () => {
    const client = new TestClient(t.app);
    // Accounts first (register signs the walk in), writes before reads before deletes, deprecated
    // aliases in a second round of their own (they act on the same data), logout last.
    const rank = ({ method, operation }: { method: string; operation: Operation }) => {
      if (operation.operationId === 'postAuthRegister') return 0;
      if (operation.operationId === 'postAuthLogout') return 99;
      const order = ({ post: 1, put: 2, patch: 2, get: 3, delete: 4 } as Record<string, number>)[method] ?? 5;
      return operation.deprecated ? 10 + order : order;
    };
    const operations = operationsOf(document).sort((a, b) => rank(a) - rank(b));
    const called: string[] = [];
    // What the walk created, by collection (`/api/v1/alerts` -> the alert's id): an `{id}` below a
    // collection is the walk's own object, not the example's made-up id.
    const created = new Map<string, string>();
    // Calls whose examples cannot succeed here, with the documented refusal they must answer: a
    // firing exists only once the market crossed a rule's threshold; a session id or a mailed link's
    // token only where the account tests make them; a passkey only once an authenticator answered a
    // challenge given moments before; a code comes from an authenticator app and a pending login
    // from a password step; deleting the account would end the walk (their own tests make these
    // calls succeed).
    const refusedExamples = new Map([
      ['POST /api/v1/alerts/events/{id}/redeliver', 404],
      ['DELETE /api/v1/me/sessions/{id}', 404],
      ['POST /api/v1/auth/password-reset/confirm', 400],
      ['POST /api/v1/auth/verify-email', 400],
      ['PATCH /api/v1/me/passkeys/{id}', 404],
      ['DELETE /api/v1/me/passkeys/{id}', 404],
      ['POST /api/v1/me/passkeys/register/verify', 400],
      ['POST /api/v1/auth/passkeys/login/verify', 400],
      ['POST /api/v1/me/2fa/enable', 400],
      ['POST /api/v1/me/2fa/disable', 409],
      ['POST /api/v1/auth/login/2fa', 401],
      ['DELETE /api/v1/me', 403],
      // No route creates an account for the walk to act on but register, which signed the walk in as
      // the admin: changing or deleting a user is called with the example's unknown id.
      ['PATCH /api/v1/admin/users/{id}', 404],
      ['DELETE /api/v1/admin/users/{id}', 404],
      // An import is a multipart file upload, which a JSON example cannot be, so no preview exists
      // to commit either (imports.test.ts uploads files).
      ['POST /api/v1/imports/preview', 415],
      ['POST /api/v1/imports/{previewId}/commit', 404],
      // Deleting the walk's portfolio account (with force) took its transaction with it.
      ['DELETE /api/v1/transactions/{id}', 404],
    ]);

    for (const { method, path, operation } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      let url = path;
      const query = new URLSearchParams();
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'path') {
          const collection = path.slice(0, path.indexOf(`/{${parameter.name}}`));
          const value = created.get(collection) ?? exampleOf(parameter);
          url = url.replace(`{${parameter.name}}`, encodeURIComponent(value));
        }
        // An optional filter naming one of the user's own objects (`?account=`) has no example that
        // could exist here: the call is made without it.
        const optionalWithout =
          !parameter.required && parameter.example === undefined && !parameter.schema?.examples;
        if (parameter.in === 'query' && !optionalWithout) query.set(parameter.name, exampleOf(parameter));
        // A portfolio `account` filter is the walk's own account, not the example's made-up one.
        if (parameter.in === 'query' && parameter.name === 'account' && created.has('/api/v1/accounts'))
          query.set('account', created.get('/api/v1/accounts') ?? '');
      }
      if (query.size > 0) url += `?${query}`;

      if (operation.responses['101']) {
        const stream = await StreamClient.connect(t.baseUrl, { cookie: client.cookie ?? '' });
        await stream.next((frame) => frame.type === 'status');
        const frameSchema = { $ref: (operation['x-stream-frames'] as { $ref: string }).$ref };
        for (const frame of stream.frames) expect(validate(frameSchema, frame), where).toEqual([]);
        stream.socket.close();
        called.push(where);
        continue;
      }

      const example = bodyExampleOf(operation);
      // A transaction's `accountId` is the walk's own portfolio account, not the example's made-up one.
      const body =
        example && typeof example === 'object' && 'accountId' in example && created.has('/api/v1/accounts')
          ? { ...example, accountId: created.get('/api/v1/accounts') }
          : example;
      const response = await client.request(method.toUpperCase() as 'GET', url, body);
      const documented = operation.responses[String(response.statusCode)];
      const refusal = refusedExamples.get(where);
      if (refusal) expect(response.statusCode, where).toBe(refusal);
      else expect(response.statusCode, `${where}: ${response.body.slice(0, 300)}`).toBeLessThan(300);
      if (method === 'post' && response.statusCode === 201) {
        // `{alert: {id, ...}}`, or the object itself (a token shown once beside its id; an invite).
        const answer = response.json() as Record<string, unknown>;
        const [made] = Object.values(answer) as Array<{ id?: unknown } | undefined>;
        const id = typeof answer.id === 'string' ? answer.id : made?.id;
        if (typeof id === 'string') created.set(path, id);
      }
      expect(documented, `${where} answered an undocumented ${response.statusCode}`).toBeDefined();
      const type = String(response.headers['content-type'] ?? '').split(';')[0] ?? '';
      const content = documented?.content ?? {};
      // 204, and a 202 documented without a body ("accepted"), answer nothing.
      if (response.statusCode === 204 || (response.statusCode === 202 && !documented?.content))
        expect(response.body).toBe('');
      else if (type === 'application/json') {
        const schema = content['application/json']?.schema;
        expect(schema, `${where} documents no JSON body`).toBeDefined();
        expect(validate(schema ?? {}, response.json()), where).toEqual([]);
      } else {
        const media = Object.keys(content).find((key) =>
          new RegExp(`^${key.replace('*', '.*')}$`).test(type),
        );
        expect(media, `${where} answered ${type}, documented ${Object.keys(content)}`).toBeDefined();
      }
      called.push(where);
    }
    expect(called.length).toBe(operations.length);
  });

  it('documents the 401 every signed-in operation answers without a session', async () => {
    const signedIn = operationsOf(document).filter(
      ({ operation, path }) =>
        operation.security?.some((requirement) => 'sessionCookie' in requirement) &&
        operation.security.every((requirement) => Object.keys(requirement).length > 0) &&
        !path.endsWith('/stream'),
    );
    expect(signedIn.length).toBeGreaterThan(10);
    for (const { method, path, operation } of signedIn) {
      const url = path.replace(/\{[^}]+\}/g, 'AAPL');
      const response = await t.app.inject({ method: method.toUpperCase() as 'GET', url });
      expect(response.statusCode, `${method} ${path}`).toBe(401);
      const schema = operation.responses['401']?.content?.['application/json']?.schema ?? {};
      expect(validate(schema, response.json()), `${method} ${path}`).toEqual([]);
    }
    expect(t.logs.filter((line) => line.includes('does not document'))).toEqual([]);
  });

  it('lists exactly the calls of the API table in docs/api.md', () => {
    const table = readFileSync(projectPath('docs/api.md'), 'utf8');
    const fromApiTable = new Set<string>();
    for (const row of table.split('\n').filter((line) => line.startsWith('| `'))) {
      const call = row.split('|')[1] ?? '';
      const prefix = call.includes('(no prefix)') ? '' : '/api/v1';
      // "`GET`, `POST /portfolio`": a bare method shares the path of the call after it.
      let bareMethods: string[] = [];
      for (const [, method, path] of call.matchAll(/`(GET|POST|PUT|PATCH|DELETE)(?: ([^`?\s]+))?/g)) {
        if (!path) {
          bareMethods.push(method ?? '');
          continue;
        }
        for (const each of [...bareMethods, method]) {
          fromApiTable.add(`${each} ${prefix}${path.replace(/:(\w+)/g, '{$1}')}`);
        }
        bareMethods = [];
      }
    }
    const fromDocument = new Set(
      operationsOf(document).map(({ method, path }) => `${method.toUpperCase()} ${path}`),
    );
    expect([...fromApiTable].sort()).toEqual([...fromDocument].sort());
  });
});
