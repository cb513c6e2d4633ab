import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertEvents, apiTokens, portfolioAccounts, users } from '../../src/db/schema.js';
import { TOKEN_SCOPES, type TokenScope } from '../../src/http/api.schemas.js';
import { testDatabaseKinds } from '../support/database.js';
import { StreamClient } from '../support/stream-client.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

/**
 * Every operation of the OpenAPI document × every kind of caller, against what the document
 * promises: its security (open, session only, session or a token with a scope; /admin for admins)
 * and its error responses. Path parameters are the owner's real objects, so another user (and an
 * admin, who is another user here) must get 404 and never see the owner's data.
 */

interface Operation {
  operationId: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; example?: unknown; schema?: { examples?: unknown[] } }>;
  requestBody?: {
    content: Record<
      string,
      {
        schema: { $ref?: string; examples?: unknown[] };
        example?: unknown;
        examples?: Record<string, { value: unknown }>;
      }
    >;
  };
  responses: Record<string, unknown>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { examples?: unknown[] }> };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
type Method = (typeof METHODS)[number];

type PrincipalName =
  | 'anonymous'
  | 'user'
  | 'other user'
  | 'admin'
  | 'token with the scope'
  | 'token without it'
  | 'expired token'
  | 'revoked token';
const PRINCIPALS: PrincipalName[] = [
  'anonymous',
  'user',
  'other user',
  'admin',
  'token with the scope',
  'token without it',
  'expired token',
  'revoked token',
];

/** Codes that mean "refused for who you are", as opposed to an answer about the request itself. */
const REFUSALS = new Set([
  'unauthenticated',
  'invalid_token',
  'insufficient_scope',
  'csrf_failed',
  'forbidden',
]);

/**
 * Session-only operations whose example succeeds for its owner in this walk (the account's other
 * operations need codes, passwords or state the walk does not have: those must only not be refused).
 */
const OWNER_SUCCEEDS = new Set([
  'getMeTokens',
  'postMeTokens',
  'deleteMeTokensId',
  'getAuthSession',
  'postAuthLogout',
]);

/**
 * Operations whose example body or query names the owner's object (the portfolio account of the
 * document's examples): another user's 404. The transactions list filtered by it answers theirs (none).
 */
const EXAMPLE_NAMES_OWNED = new Set(['postTransactions', 'getHoldings', 'getHoldingsSymbol']);

/** What an operation answers its owner when the walk cannot make it succeed: a firing redelivered needs a failed delivery. */
const OWNER_ANSWERS: Record<string, number> = { postAlertsEventsIdRedeliver: 409 };

/** The password of the walk's users: unlike the document's examples, so no example can act on them. */
const PASSWORD = 'matrix-walk-basalt-lantern-47';

interface Expectation {
  /** An exact status, or `allowed`: any documented answer but a refusal of the caller. */
  status: number | 'allowed';
  code?: string;
}

describe.each(testDatabaseKinds())('the authorization matrix on %s', (kind) => {
  let t: TestApp;
  let webRoot: string;
  let document: OpenApiDocument;

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'web-'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(webRoot, 'docs.html'), '<!doctype html><title>API reference</title>');
    t = await startTestApp({ database: kind, listen: true, webRoot });
    document = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  });
  afterAll(async () => {
    await t?.close();
    rmSync(webRoot, { recursive: true, force: true });
  });

  it('answers every operation for every caller as the document promises', async () => {
    const sessions = new Map<'user' | 'other user' | 'admin', TestClient>();
    const credentials = new Map<'user' | 'other user' | 'admin', { username: string; id: string }>();
    // The first account of an installation is its admin: the admin registers first.
    for (const name of ['admin', 'user', 'other user'] as const) {
      const client = new TestClient(t.app);
      const registered = await client.register({ password: PASSWORD });
      sessions.set(name, client);
      credentials.set(name, registered);
    }
    const owner = () => sessions.get('user') as TestClient;
    const ownerId = credentials.get('user')?.id ?? '';
    const [admin] = await t.database.db
      .select({ role: users.role })
      .from(users)
      .where(eq(users.id, credentials.get('admin')?.id ?? ''));
    expect(admin?.role).toBe('admin');

    const makeToken = async (scopes: readonly string[]) => {
      const response = await owner().request('POST', '/api/v1/me/tokens', { name: scopes.join(' '), scopes });
      expect(response.statusCode, response.body).toBe(201);
      return response.json() as { token: string; id: string };
    };
    const only = new Map<TokenScope, string>();
    const allBut = new Map<TokenScope, string>();
    for (const scope of TOKEN_SCOPES) {
      only.set(scope, (await makeToken([scope])).token);
      allBut.set(scope, (await makeToken(TOKEN_SCOPES.filter((other) => other !== scope))).token);
    }
    const expired = await makeToken(TOKEN_SCOPES);
    await t.database.db
      .update(apiTokens)
      .set({ expiresAt: new Date(Date.now() - 60_000) })
      .where(eq(apiTokens.id, expired.id));
    const revoked = await makeToken(TOKEN_SCOPES);
    expect((await owner().request('DELETE', `/api/v1/me/tokens/${revoked.id}`)).statusCode).toBe(204);

    // The owner's objects, made again whenever an operation deleted one.
    // The portfolio account has the id the transaction example names.
    const fixtures = {
      symbol: 'MSFT',
      alert: '',
      channel: '',
      firing: '',
      token: '',
      account: '0b6f3f0e-8f5d-4f7e-9d55-2f6a1c1f4a10',
      transaction: '',
      preview: '',
    };
    const exists = async (table: string, id: string) =>
      id !== '' &&
      (
        (await t.database.db.execute(
          sql`select 1 from ${sql.identifier(table)} where id = ${id}`,
        )) as unknown as {
          rows: unknown[];
        }
      ).rows.length > 0;
    const ensureFixtures = async () => {
      const client = owner();
      const watched = (await t.database.db.execute(
        sql`select 1 from watchlist_items where user_id = ${ownerId} and symbol = ${fixtures.symbol}`,
      )) as unknown as { rows: unknown[] };
      if (watched.rows.length === 0)
        expect(
          (await client.request('POST', '/api/v1/watchlist', { symbol: fixtures.symbol })).statusCode,
        ).toBe(201);
      if (!(await exists('alert_rules', fixtures.alert))) {
        const created = await client.request('POST', '/api/v1/alerts', {
          symbol: fixtures.symbol,
          kind: 'price_cross_up',
          threshold: 100_000,
        });
        fixtures.alert = created.json().alert.id;
      }
      if (!(await exists('alert_events', fixtures.firing))) {
        const [firing] = await t.database.db
          .insert(alertEvents)
          .values({
            ruleId: fixtures.alert,
            userId: ownerId,
            occurrence: 1,
            symbol: fixtures.symbol,
            kind: 'price_cross_up',
            threshold: 100_000,
            price: 100_001,
            firedAt: new Date(),
            message: 'MSFT crossed 100,000',
            simulated: true,
            rule: {},
          })
          .returning({ id: alertEvents.id });
        fixtures.firing = firing?.id ?? '';
      }
      if (!(await exists('notification_channels', fixtures.channel))) {
        const created = await client.request('POST', '/api/v1/channels', {
          type: 'webhook',
          name: 'matrix',
          url: 'https://203.0.113.7/hooks/matrix',
        });
        fixtures.channel = created.json().channel.id;
      }
      if (!(await exists('api_tokens', fixtures.token))) fixtures.token = (await makeToken(['read'])).id;
      if (!(await exists('portfolio_accounts', fixtures.account)))
        await t.database.db
          .insert(portfolioAccounts)
          .values({ id: fixtures.account, userId: ownerId, name: 'matrix', currency: 'USD' });
      if (!(await exists('transactions', fixtures.transaction))) {
        const created = await client.request('POST', '/api/v1/transactions', {
          accountId: fixtures.account,
          type: 'buy',
          symbol: fixtures.symbol,
          quantity: '1',
          price: '100',
          currency: 'USD',
          date: '2026-01-02',
        });
        fixtures.transaction = created.json().transaction.id;
      }
      if (!(await exists('import_previews', fixtures.preview))) {
        const upload = await importUpload();
        const created = await client.request(
          'POST',
          '/api/v1/imports/preview',
          upload.payload,
          upload.headers,
        );
        expect(created.statusCode, created.body).toBe(200);
        fixtures.preview = created.json().previewId;
      }
    };
    /** The import's multipart upload (no JSON example can say it): a file for the owner's account. */
    const importUpload = async () => {
      const data = new FormData();
      data.set('accountId', fixtures.account);
      data.set('file', new Blob(['date,type,amount\n2025-01-02,deposit,100\n']), 'matrix.csv');
      const encoded = new Response(data);
      return {
        payload: Buffer.from(await encoded.arrayBuffer()),
        headers: { 'content-type': encoded.headers.get('content-type') ?? '' },
      };
    };
    await ensureFixtures();
    const ownerSecrets = () => [
      fixtures.alert,
      fixtures.channel,
      fixtures.firing,
      fixtures.token,
      fixtures.account,
      fixtures.transaction,
      fixtures.preview,
      credentials.get('user')?.username ?? '',
    ];

    /** The path with the owner's objects in it, and whether one of them is the owner's own. */
    const fill = (path: string) => {
      let owned = false;
      const url = path.replace(/\{(\w+)\}/g, (_match, name: string) => {
        const before = path.slice(0, path.indexOf(`{${name}}`));
        if (name === 'symbol') {
          owned ||= /\/(watchlist|portfolio)\/$/.test(before);
          return fixtures.symbol;
        }
        const byCollection: Record<string, string> = {
          '/api/v1/alerts/events/': fixtures.firing,
          '/api/v1/alerts/': fixtures.alert,
          '/api/v1/channels/': fixtures.channel,
          '/api/v1/me/tokens/': fixtures.token,
          '/api/v1/accounts/': fixtures.account,
          '/api/v1/transactions/': fixtures.transaction,
          '/api/v1/imports/': fixtures.preview,
        };
        const id = byCollection[before];
        if (id) owned = true;
        return id ?? randomUUID();
      });
      return { url, owned };
    };

    /** The request body's example: on the media type, or on the schema it refers to. */
    const bodyOf = (operation: Operation) => {
      const media = operation.requestBody?.content['application/json'];
      if (!media) return undefined;
      const ref = media.schema.$ref?.replace('#/components/schemas/', '');
      const schema = ref ? document.components.schemas[ref] : media.schema;
      const named = media.examples ? Object.values(media.examples)[0]?.value : undefined;
      return media.example ?? named ?? schema?.examples?.[0];
    };

    /** The query string of the parameters' own examples. */
    const queryOf = (operation: Operation) => {
      const query = new URLSearchParams();
      for (const parameter of operation.parameters ?? []) {
        const example = parameter.example ?? parameter.schema?.examples?.[0];
        if (parameter.in === 'query' && example !== undefined) query.set(parameter.name, String(example));
      }
      return query.size > 0 ? `?${query}` : '';
    };

    const expectationOf = (
      principal: PrincipalName,
      { path, operation, owned }: { path: string; operation: Operation; owned: boolean },
    ): Expectation => {
      const security = operation.security ?? [];
      const open =
        security.length === 0 || security.some((requirement) => Object.keys(requirement).length === 0);
      const tokenScopes = security.find((requirement) => 'apiToken' in requirement)?.apiToken;
      const success = Number(Object.keys(operation.responses).find((status) => /^(2|101)/.test(status)));
      if (open) return { status: 'allowed' };
      if (principal === 'anonymous') return { status: 401, code: 'unauthenticated' };
      if (principal.includes('token')) {
        if (!tokenScopes) return { status: 401, code: 'unauthenticated' };
        if (principal === 'token with the scope')
          return { status: OWNER_ANSWERS[operation.operationId] ?? success };
        if (principal === 'token without it') return { status: 403, code: 'insufficient_scope' };
        return { status: 401, code: 'invalid_token' };
      }
      if (path.startsWith('/api/v1/admin/')) {
        return principal === 'admin' ? { status: 'allowed' } : { status: 403, code: 'forbidden' };
      }
      const exact = tokenScopes !== undefined || OWNER_SUCCEEDS.has(operation.operationId);
      if (principal === 'user') {
        if (OWNER_ANSWERS[operation.operationId])
          return { status: OWNER_ANSWERS[operation.operationId] as number };
        return exact ? { status: success } : { status: 'allowed' };
      }
      if (owned) return { status: 404 };
      return exact ? { status: success } : { status: 'allowed' };
    };

    const headersOf = (
      principal: PrincipalName,
      method: Method,
      scope: TokenScope,
    ): Record<string, string> => {
      switch (principal) {
        case 'anonymous':
          return {};
        case 'user':
        case 'other user':
        case 'admin': {
          const client = sessions.get(principal) as TestClient;
          const headers: Record<string, string> = { cookie: client.cookie ?? '' };
          if (method !== 'get') headers['x-csrf-token'] = client.csrfToken ?? '';
          return headers;
        }
        case 'token with the scope':
          return { authorization: `Bearer ${only.get(scope)}` };
        case 'token without it':
          return { authorization: `Bearer ${allBut.get(scope)}` };
        case 'expired token':
          return { authorization: `Bearer ${expired.token}` };
        case 'revoked token':
          return { authorization: `Bearer ${revoked.token}` };
      }
    };

    /** Signs a session principal in again when an operation (logout, say) ended its session. */
    const keepSignedIn = async (principal: PrincipalName) => {
      const name = principal as 'user' | 'other user' | 'admin';
      const client = sessions.get(name);
      if (!client || (await client.request('GET', '/api/v1/auth/session')).statusCode === 200) return;
      const again = new TestClient(t.app);
      const login = await again.request('POST', '/api/v1/auth/login', {
        username: credentials.get(name)?.username,
        password: PASSWORD,
      });
      expect(login.statusCode).toBe(200);
      sessions.set(name, again);
    };

    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.filter((method) => item[method]).map((method) => ({
        path,
        method,
        operation: item[method] as Operation,
      })),
    );
    expect(operations.length).toBeGreaterThan(40);
    const failures: string[] = [];
    let calls = 0;

    for (const { path, method, operation } of operations) {
      const scope = (operation.security?.find((requirement) => 'apiToken' in requirement)?.apiToken?.[0] ??
        'read') as TokenScope;
      const open =
        (operation.security ?? []).length === 0 ||
        operation.security?.some((r) => Object.keys(r).length === 0);
      for (const principal of PRINCIPALS) {
        // A session on an open operation (login, register) would be replaced: those are asked anonymously.
        if (open && ['user', 'other user', 'admin'].includes(principal)) continue;
        // The document's example adds AAPL: whoever added it before must not make this a 409.
        if (method === 'post') {
          await t.database.db.execute(sql`delete from watchlist_items where symbol = 'AAPL'`);
          // Likewise the account example's name.
          await t.database.db.execute(sql`delete from portfolio_accounts where name = 'Broker'`);
        }
        const filled = fill(path);
        const url = filled.url + queryOf(operation);
        const upload = path === '/api/v1/imports/preview' ? await importUpload() : undefined;
        // The upload names the owner's account: anyone else is answered as for another's object.
        const owned = filled.owned || upload !== undefined || EXAMPLE_NAMES_OWNED.has(operation.operationId);
        const expected = expectationOf(principal, { path, operation, owned });
        const where = `${method.toUpperCase()} ${url} as ${principal}`;
        const headers = headersOf(principal, method, scope);
        const isStream = operation.responses['101'] !== undefined;
        let status: number;
        let code: string | undefined;
        let body = '';
        if (isStream) {
          try {
            const stream = await StreamClient.connect(t.baseUrl, headers);
            const snapshot = await stream.next((frame) => frame.type === 'snapshot');
            body = JSON.stringify(snapshot);
            stream.socket.close();
            status = 101;
          } catch (error) {
            status = (error as { status?: number }).status ?? 0;
          }
          if (expected.status !== 'allowed' && expected.status >= 200 && expected.status < 300)
            expected.status = 101;
        } else {
          const payload = upload?.payload ?? bodyOf(operation);
          const response = await t.app.inject({
            method: method.toUpperCase() as 'GET',
            url,
            headers: { ...headers, ...upload?.headers },
            ...(payload === undefined ? {} : { payload: payload as object }),
          });
          status = response.statusCode;
          body = response.body;
          code = status >= 400 ? (response.json() as { error?: { code?: string } }).error?.code : undefined;
        }
        calls++;
        if (!isStream && !operation.responses[String(status)])
          failures.push(`${where}: answered an undocumented ${status} ${body.slice(0, 120)}`);
        if (expected.status === 'allowed') {
          if (status >= 500 || (code !== undefined && REFUSALS.has(code)))
            failures.push(`${where}: refused ${status} ${code}`);
        } else if (status !== expected.status || (expected.code && !isStream && code !== expected.code)) {
          failures.push(
            `${where}: expected ${expected.status} ${expected.code ?? ''}, got ${status} ${body.slice(0, 160)}`,
          );
        }
        // An admin's console lists every user by design; anywhere else, nothing of the owner's shows.
        const adminConsole = path.startsWith('/api/v1/admin/');
        if ((principal === 'other user' || principal === 'admin') && status < 300 && !adminConsole) {
          for (const secret of ownerSecrets())
            if (secret && body.includes(secret)) failures.push(`${where}: showed the owner's ${secret}`);
        }
        if (['user', 'other user', 'admin'].includes(principal) && method !== 'get' && status < 300)
          await keepSignedIn(principal);
        // A delete removes a fixture, and so does a commit (of the preview).
        if (status < 300 && (method === 'delete' || path.endsWith('/commit'))) await ensureFixtures();
      }
    }
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(operations.length * 5);
  }, 120_000);
});
