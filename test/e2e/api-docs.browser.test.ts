import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axeViolations,
  browserAvailable,
  buildIfStale,
  launchBrowser,
  recordPageProblems,
} from '../support/browser.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe.skipIf(!browserAvailable())('the API reference page in a real browser (headless Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    buildIfStale();
    t = await startTestApp({ database: 'pglite', listen: true, webRoot: `${root}/dist/web` });
    browser = await launchBrowser();
    page = await browser.newPage();
    problems = await recordPageProblems(page);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('lists every route of the document with its parameters, schemas and error codes, under the strict CSP', async () => {
    const response = await page.goto(`${t.baseUrl}/api/docs`);
    expect(response?.status()).toBe(200);
    const csp = String(response?.headers()['content-security-policy']);
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');

    await page.getByRole('heading', { level: 1, name: /Stock Tracker API/ }).waitFor();
    const document = (await (await fetch(`${t.baseUrl}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ method, path, id: operation.operationId })),
    );
    expect(operations.length).toBeGreaterThan(20);
    for (const { method, path, id } of operations) {
      const heading = page.locator(`[id="${id}-heading"]`);
      await expect
        .poll(() => heading.textContent(), { timeout: 2000 })
        .toContain(`${method.toUpperCase()} ${path}`);
    }

    // One operation in detail: its parameter, its answer's fields, its error codes.
    const history = page.locator('[id="getQuotesSymbolHistory"]');
    await expect.poll(() => history.locator('table').textContent()).toContain('symbol');
    await expect.poll(() => history.locator('table').textContent()).toContain('range');
    const responses = history.locator('.docs-responses');
    await expect.poll(() => responses.textContent()).toContain('PriceHistory');
    await expect.poll(() => responses.textContent()).toContain('resolution');
    for (const code of ['unauthenticated', 'invalid_symbol', 'unknown_symbol', 'rate_limited']) {
      await expect.poll(() => responses.locator('code', { hasText: code }).count()).toBeGreaterThan(0);
    }
    await expect.poll(() => page.locator('#security').textContent()).toContain('X-CSRF-Token');
    await expect.poll(() => page.locator('#stream-frames').textContent()).toContain('SnapshotFrame');

    expect(problems, 'CSP reports and console errors').toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
  });
});
