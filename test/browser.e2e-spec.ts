import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, tempDir, type TestApp } from './support/app';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', 'test-artifacts');

describe('Swagger UI in headless Chromium', () => {
  let app: TestApp;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
    dir = await tempDir();
    app = await startApp({ LOCAL_DATA_DIR: dir.path });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await dir?.remove();
  });

  it('authorizes with a dev token, tries GET /v1/me and shows the principal', { timeout: 120_000 }, async () => {
    const token = await app.token({ roles: ['Documents.Read'], name: 'Browser Tester' });
    const page = await browser.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${app.url}/docs`);

    await page
      .getByRole('button', { name: /authorize/i })
      .first()
      .click();
    await page.locator('.modal-ux input#auth-bearer-value').fill(token);
    await page.locator('.modal-ux button.authorize').click();
    await expect.poll(() => page.locator('.modal-ux button').allInnerTexts()).toContain('Logout');
    await page.locator('.modal-ux button.btn-done').click();

    const operation = page.locator('.opblock:has(.opblock-summary-path[data-path="/v1/me"])');
    await operation.locator('.opblock-summary').first().click();
    await operation.getByRole('button', { name: /try it out/i }).click();
    await operation.getByRole('button', { name: /execute/i }).click();

    const status = operation.locator('.live-responses-table .response-col_status');
    await expect.poll(() => status.allInnerTexts(), { timeout: 30_000 }).toContain('200');
    const body = await operation.locator('.live-responses-table .response-col_description pre').first().innerText();
    expect(JSON.parse(body)).toMatchObject({ name: 'Browser Tester', roles: ['Documents.Read'], appOnly: false });

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'swagger-v1-me.png'), fullPage: true });
  });
});
