/**
 * The dashboard in real Chromium (Debian's /usr/bin/chromium driven by playwright-core)
 * against the real server: sign in, make speech from the form, watch it finish live, play it,
 * open the finished task. Each step leaves a screenshot in test-artifacts/e2e/.
 *
 * .ci/run installs chromium; without it this file is skipped locally and fails under CI=true.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Genq } from '../../dist/sdk/index.js';
import { ROOT, makeKey, start, stopAll, type GenqServer } from '../helpers/server.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs it with apt-get install -y chromium`);

const ARTIFACTS = path.join(ROOT, 'test-artifacts/e2e');
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required', '--mute-audio',
];

let server: GenqServer;
let key: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

describe.skipIf(!hasChromium)('dashboard in Chromium', () => {
  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const { chromium } = await import('playwright-core');
    [server, browser] = await Promise.all([
      // private URLs allowed: the webhook receiver below is on loopback
      start({ env: { GENQ_ALLOW_PRIVATE_URLS: 'true' } }),
      chromium.launch({ executablePath: CHROMIUM, args: ARGS }),
    ]);
    key = (await makeKey(server.dataDir, { name: 'e2e', credits: 500 })).key;
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await stopAll();
  });

  it('signs in with an API key kept in localStorage (a wrong key is refused)', async () => {
    await page.goto(server.url);
    await page.getByLabel('API key').fill('sk_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/not accepted/);
    await shot('01-sign-in-refused');

    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('genq.apiKey'))).toBe(key);
    await expect.poll(() => page.locator('.credits').textContent()).toBe('500 credits');
    await shot('02-signed-in');
  });

  it('creates a speech task from the form and watches it complete live', async () => {
    await page.getByRole('link', { name: 'Speak' }).click();
    await page.locator('#speak-voice option[value="en-us-female-1"]').waitFor({ state: 'attached' });
    await page.getByLabel('Text').fill('The dashboard made this speech. It follows the task live, from queued to done, and then it plays it.');
    await page.getByLabel('Voice').selectOption('en-gb-male-1').catch(() => page.getByLabel('Voice').selectOption({ index: 1 }));
    // record every status the card shows, without reloading anything
    await page.evaluate(() => {
      const seen: string[] = ((window as any).__statuses = []);
      new MutationObserver(() => {
        const s = document.querySelector('.speak-card .badge')?.getAttribute('data-status');
        if (s && seen.at(-1) !== s) seen.push(s);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await page.getByRole('button', { name: 'Speak' }).click();
    const card = page.locator('.speak-card').first();
    await card.waitFor();
    await shot('03-speak-created');
    await card.locator('.badge[data-status="succeeded"]').waitFor({ timeout: 30_000 });
    const statuses: string[] = await page.evaluate(() => (window as any).__statuses);
    expect(statuses[0]).toMatch(/queued|running/);
    expect(statuses.at(-1)).toBe('succeeded');
    await card.locator('audio').waitFor();
    await shot('04-speak-succeeded');
  });

  it('plays the audio of the task', async () => {
    const audio = page.locator('.speak-card audio').first();
    const duration = await audio.evaluate(async (el: HTMLAudioElement) => {
      el.muted = true;
      await el.play();
      await new Promise<void>((resolve) => {
        const check = () => (el.currentTime > 0.3 || el.ended ? resolve() : setTimeout(check, 50));
        check();
      });
      return el.duration;
    });
    expect(duration).toBeGreaterThan(2); // real, decodable speech of a few seconds
    await shot('05-playing');
    await audio.evaluate((el: HTMLAudioElement) => el.pause());
  });

  it("opens the finished task's page: result, timeline, input, details", async () => {
    await page.locator('.speak-card').first().getByRole('link', { name: 'Open task' }).click();
    await page.locator('.task-status .badge[data-status="succeeded"]').waitFor();
    await page.locator('.tl-succeeded').waitFor();
    const timeline = await page.locator('.timeline').innerText();
    expect(timeline).toMatch(/Queued[\s\S]*Running[\s\S]*Succeeded/);
    expect(await page.locator('.media audio').count()).toBe(1);
    expect(await page.locator('pre[aria-label="Task input"]').innerText()).toContain('The dashboard made this speech.');
    expect(await page.locator('.details').innerText()).toMatch(/Attempts\s+1 of/);
    await shot('06-task-page');
  });

  it('lists tasks with live status, filters and search', async () => {
    const genq = new Genq({ baseUrl: server.url, apiKey: key });
    const slow = await genq.tasks.create({ capability: 'voice', action: 'tts', input: { text: 'A second task. '.repeat(30) } });
    await page.goto(`${server.url}/#/tasks`);
    const row = page.locator(`tr[data-task-id="${slow.id}"]`);
    await row.waitFor();
    await row.locator('.badge[data-status="succeeded"]').waitFor({ timeout: 30_000 }); // updated in place, no reload
    await shot('07-task-list');

    await page.getByLabel('Search').fill('dashboard made');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Search').fill('no such words');
    await page.getByText('No loaded task matches').waitFor();
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Status').selectOption('failed');
    await page.getByText('No tasks match these filters.').waitFor();
    await page.getByLabel('Status').selectOption('succeeded');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
    expect(page.url()).toContain('status=succeeded');
  });

  it('shows voices, the account, and its webhook deliveries', async () => {
    await page.getByRole('link', { name: 'Voices' }).click();
    await page.locator('.voices-table tbody tr').first().waitFor();
    expect(await page.locator('.voices-table tbody tr').count()).toBeGreaterThanOrEqual(12);
    await page.getByRole('link', { name: 'Account' }).first().click();
    // these tasks had no webhook, so the list is empty
    await page.getByText('No webhook deliveries yet.').waitFor();
    expect(await page.getByTestId('credits').innerText()).toMatch(/^\d/);

    // one that has: its delivery shows with the receiver's HTTP status
    const receiver = http.createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const genq = new Genq({ baseUrl: server.url, apiKey: key });
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const task = await genq.tasks.create({ capability: 'voice', action: 'tts', input: { text: 'Hooked.' }, webhook: { url } });
      await expect.poll(async () => (await genq.webhooks.listDeliveries({ task_id: task.id })).data[0]?.status, { timeout: 30_000 }).toBe('succeeded');
      await page.reload();
      const row = page.getByTestId('delivery').first();
      await row.waitFor();
      expect(await row.innerText()).toMatch(/task\.succeeded[\s\S]*succeeded · 204/);
    } finally {
      receiver.close();
    }
    await shot('08-account');
  });

  it('works on a phone, and every form control has a label', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await phone.addInitScript((k) => localStorage.setItem('genq.apiKey', k), key);
    const p = await phone.newPage();
    for (const route of ['#/tasks', '#/speak']) {
      await p.goto(`${server.url}/${route}`);
      await p.reload(); // a hash change alone would not start the page afresh
      await p.locator(route === '#/tasks' ? 'tbody tr' : '#speak-voice optgroup').first().waitFor({ state: 'attached' });
      // nothing wider than the screen
      expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      const unlabelled = await p.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
        .filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute('aria-label'))
        .map((el) => el.id || el.outerHTML.slice(0, 60)));
      expect(unlabelled).toEqual([]);
    }
    await p.goto(`${server.url}/#/tasks`);
    await p.reload();
    await p.locator('tbody tr').first().waitFor();
    await p.screenshot({ path: path.join(ARTIFACTS, '09-phone.png'), fullPage: true });
    await phone.close();
    expect(pageErrors).toEqual([]);
  });
});
