/**
 * The WebRTC demo (demo/) in a real headless Chromium, against a local
 * stack started here: pages meet, chat, connect their RTCPeerConnections
 * with fake camera/microphone, leave, and survive glare.
 *
 * Chromium is Debian's package (/usr/bin/chromium, or CHROMIUM_PATH),
 * driven by playwright-core: nothing is downloaded. Without it a developer
 * machine skips this file and says so; CI fails instead.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Kept after the run (gitignored); docs/demo-screenshot.png is a copy of one, committed for the README.
const SCREENSHOT = 'test-results/demo-screenshot.png';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  const why = `no Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`;
  if (process.env.CI) throw new Error(`the browser test must run in CI, but ${why}`);
  console.warn(`\n*** NOT RUNNING the browser test of the demo page: ${why}. CI always runs it. ***\n`);
}

let stack: LocalStack;
let browser: Browser;

/** A page (its own browser context) that has pressed Join. */
async function joinAs(room: string, name: string, peerId: string, { camera = true } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 820, height: 960 } });
  const page = await context.newPage();
  await page.goto(`${stack.demoUrl}?room=${room}&name=${name}&peer=${peerId}`);
  if (!camera) await page.getByLabel('Use my camera and microphone').uncheck();
  await page.getByRole('textbox', { name: 'Room', exact: true }).press('Enter'); // the keyboard submits the form
  await eventually(() => page.getByRole('status').textContent()).toContain(`In room ${room}`);
  return page;
}

/** Waits for a condition the page reaches by itself (media, signaling, ICE take a few seconds under load). */
const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000, interval: 100 });

const card = (page: Page, peerId: string) => page.locator(`#peers li[data-peer-id="${peerId}"]`);

/** Both the page and its RTCPeerConnection say the link to peerId is connected. */
async function connectedTo(page: Page, peerId: string): Promise<void> {
  await page
    .waitForFunction(`demo.links().some((l) => l.peerId === ${JSON.stringify(peerId)} && l.state === 'connected' && l.channel === 'open')`, undefined, { timeout: 15_000 })
    .catch(async (error) => {
      throw new Error(`${await whoIs(page)} never connected to ${peerId}: ${await pageState(page)}`, { cause: error });
    });
  await eventually(() => card(page, peerId).locator('.state').getAttribute('data-state')).toBe('connected');
}

const whoIs = (page: Page) => page.evaluate('demo.peerId()');

/** What a failure message needs: the links as the page sees them, and the page's own notes. */
async function pageState(page: Page): Promise<string> {
  return JSON.stringify({ links: await page.evaluate('demo.links()'), peers: await page.locator('#peers').innerText(), status: await page.getByRole('status').textContent() });
}

async function peerIds(page: Page): Promise<string[]> {
  return page.evaluate('demo.links().map((l) => l.peerId).sort()') as Promise<string[]>;
}

describe.skipIf(!haveChromium)('the demo page in headless Chromium', () => {
  beforeAll(async () => {
    stack = await startLocalStack({ dynamodb: 'dynalite', logLevel: 'error', env: { LOG_LEVEL: 'error' } });
    // playwright-core gives Chromium a fresh temporary profile (--user-data-dir) and removes it on close.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox', // we run as root in CI containers
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
      ],
    });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('two pages meet, chat, connect with video and a DataChannel; a third comes and goes', async () => {
    const alice = await joinAs('meet', 'Alice', 'alice');
    const bob = await joinAs('meet', 'Bob', 'bob');

    // Each lists the other, by name.
    await eventually(() => card(alice, 'bob').textContent()).toContain('Bob (bob)');
    await eventually(() => card(bob, 'alice').textContent()).toContain('Alice (alice)');

    // Chat through peerNotify, both ways.
    await alice.getByLabel('Message').fill('hello Bob');
    await alice.getByLabel('Message').press('Enter');
    await bob.getByLabel('Message').fill('hi Alice');
    await bob.getByRole('button', { name: 'Send' }).click();
    await eventually(() => bob.locator('#chat').textContent()).toContain('Alice: hello Bob');
    await eventually(() => alice.locator('#chat').textContent()).toContain('Bob: hi Alice');

    // WebRTC: connected, a DataChannel message each way, decoded remote video.
    await connectedTo(alice, 'bob');
    await connectedTo(bob, 'alice');
    await eventually(() => alice.locator('[data-peer-id="bob"] .dc-message').textContent()).toBe('DataChannel: hello from Bob');
    await eventually(() => bob.locator('[data-peer-id="alice"] .dc-message').textContent()).toBe('DataChannel: hello from Alice');
    await alice.waitForFunction(`demo.framesDecoded('bob').then((n) => n > 0)`, undefined, { timeout: 15_000, polling: 250 });
    await bob.waitForFunction(`demo.framesDecoded('alice').then((n) => n > 0)`, undefined, { timeout: 15_000, polling: 250 });
    await alice.screenshot({ path: SCREENSHOT, fullPage: true });

    // A third page, without a camera (DataChannel only), connects to both,
    // then closes: both drop it from the list and the mesh.
    const carol = await joinAs('meet', 'Carol', 'carol', { camera: false });
    await connectedTo(carol, 'alice');
    await connectedTo(carol, 'bob');
    await connectedTo(alice, 'carol');
    await connectedTo(bob, 'carol');
    await carol.context().close();
    for (const page of [alice, bob]) {
      await eventually(() => card(page, 'carol').count()).toBe(0);
      await eventually(() => peerIds(page)).not.toContain('carol');
    }
    expect(await peerIds(alice)).toEqual(['bob']);
    expect(await peerIds(bob)).toEqual(['alice']);
    await alice.context().close();
    await bob.context().close();
  }, 50_000);

  it('glare: two pages that offer at the same moment still end up connected', async () => {
    const [ann, ben] = await Promise.all([joinAs('glare', 'Ann', 'ann'), joinAs('glare', 'Ben', 'ben')]);
    await connectedTo(ann, 'ben');
    await connectedTo(ben, 'ann');

    // Both renegotiate (an ICE restart) at once: their offers cross.
    await Promise.all([ann.evaluate(`demo.restart('ben')`), ben.evaluate(`demo.restart('ann')`)]);
    const settled = (other: string) =>
      `demo.links().some((l) => l.peerId === '${other}' && l.collisions > 0 && l.signaling === 'stable' && l.state === 'connected')`;
    await ann.waitForFunction(settled('ben'), undefined, { timeout: 15_000 });
    await ben.waitForFunction(settled('ann'), undefined, { timeout: 15_000 });

    // And the link still carries data both ways.
    await card(ann, 'ben').getByRole('button', { name: 'Ping over DataChannel' }).click();
    await card(ben, 'ann').getByRole('button', { name: 'Ping over DataChannel' }).click();
    await eventually(() => ben.locator('[data-peer-id="ann"] .dc-message').textContent()).toContain('ping from Ann');
    await eventually(() => ann.locator('[data-peer-id="ben"] .dc-message').textContent()).toContain('ping from Ben');
    await ann.context().close();
    await ben.context().close();
  }, 40_000);
});
