/**
 * The WebRTC demo (demo/) in a real headless Chromium, against a local
 * stack started here: pages meet, chat, connect their RTCPeerConnections
 * with fake camera/microphone, leave, and survive glare; Leave during the
 * camera prompt leaves no ghost; a late offer from a peer that left brings
 * nothing back; the page works over plain http on a non-local name
 * (DataChannel only) and takes its peerId from a token's `sub`.
 *
 * Chromium is Debian's package (/usr/bin/chromium, or CHROMIUM_PATH),
 * driven by playwright-core: nothing is downloaded. Without it a developer
 * machine skips this file and says so; CI fails instead.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';
import { createPeer, once, type ProtooPeer } from '../integration/support/protoo.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Kept after the run (gitignored); docs/demo-screenshot.png is a copy of one, committed for the README.
const SCREENSHOT = 'test-results/demo-screenshot.png';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  const why = `no Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`;
  if (process.env.CI) throw new Error(`the browser test must run in CI, but ${why}`);
  console.warn(`\n*** NOT RUNNING the browser test of the demo page: ${why}. CI always runs it. ***\n`);
}

/** Chromium resolves this name to the stack: an http origin that is not localhost, so not a secure context. */
const LAN_HOST = 'lan.test';

let stack: LocalStack;
let browser: Browser;

interface PageOptions {
  camera?: boolean;
  /** Scripts run before the page's own (page.addInitScript). */
  init?: string[];
}

/** A page (its own browser context) with the form filled in from the URL. */
async function openPage(query: string, { camera = true, init = [] }: PageOptions = {}, origin = stack.demoUrl): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 820, height: 960 } });
  const page = await context.newPage();
  for (const script of init) await page.addInitScript(script);
  await page.goto(`${origin}?${query}`);
  if (!camera) await page.getByLabel('Use my camera and microphone').uncheck();
  return page;
}

/** Presses Join with the keyboard (Enter in the Room field submits the form). */
const pressJoin = (page: Page) => page.getByRole('textbox', { name: 'Room', exact: true }).press('Enter');

/** A page that has pressed Join and is in the room. */
async function joinAs(room: string, name: string, peerId: string, options: PageOptions = {}): Promise<Page> {
  const page = await openPage(`room=${room}&name=${name}&peer=${peerId}`, options);
  await pressJoin(page);
  await eventually(() => page.getByRole('status').textContent()).toContain(`In room ${room}`);
  return page;
}

/**
 * getUserMedia waits for releaseCamera(), as while the user has not
 * answered the camera prompt yet; the streams it gave are in cameraStreams.
 */
const CAMERA_PROMPT = `{
  const devices = navigator.mediaDevices;
  const real = devices.getUserMedia.bind(devices);
  let release;
  const answered = new Promise((resolve) => (release = resolve));
  window.releaseCamera = release;
  window.cameraStreams = [];
  devices.getUserMedia = async (constraints) => {
    await answered;
    const stream = await real(constraints);
    window.cameraStreams.push(stream);
    return stream;
  };
}`;

/**
 * Counts the page's WebSockets (socketsOpened), and holds relayed 'offer'
 * requests from window.holdOffersFrom until releaseHeld(): a relayed
 * message overtaken by a later one, as API Gateway may deliver them.
 */
const SOCKET_SPY = `{
  const Native = window.WebSocket;
  window.socketsOpened = 0;
  window.held = [];
  window.releaseHeld = () => window.held.splice(0).forEach((deliver) => deliver());
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      window.socketsOpened++;
    }
    get onmessage() {
      return super.onmessage;
    }
    set onmessage(handler) {
      super.onmessage = (event) => {
        let message;
        try { message = JSON.parse(event.data); } catch {}
        if (message && message.request && message.method === 'offer' && message.data?.from === window.holdOffersFrom) {
          window.held.push(() => handler.call(this, event));
        } else {
          handler.call(this, event);
        }
      };
    }
  };
}`;

/** A real offer (a DataChannel only), made in the page: what a node peer sends as its own. */
const AN_OFFER = `(async () => {
  const pc = new RTCPeerConnection();
  pc.createDataChannel('chat', { negotiated: true, id: 0 });
  const offer = await pc.createOffer();
  pc.close();
  return { type: offer.type, sdp: offer.sdp };
})()`;

/** An unsigned JWT: the anonymous local stack does not verify it, the page only reads its claims. */
function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2ln`;
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
        `--host-resolver-rules=MAP ${LAN_HOST} 127.0.0.1`,
      ],
    });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('two pages meet, chat, connect with video and a DataChannel; a third comes and goes', async () => {
    const alice = await joinAs('meet', 'Alice', 'alice');
    // The form is gone: focus is on the room's heading, not lost on the page.
    expect(await alice.evaluate('document.activeElement.id')).toBe('room-title');
    const bob = await joinAs('meet', 'Bob', 'bob');

    // Each lists the other, by name; the card's buttons say whose card they are in.
    await eventually(() => card(alice, 'bob').textContent()).toContain('Bob (bob)');
    await eventually(() => card(bob, 'alice').textContent()).toContain('Alice (alice)');
    await expect(card(alice, 'bob').getByRole('button', { name: 'Ping over DataChannel to Bob (bob)', exact: true }).count()).resolves.toBe(1);
    await expect(card(alice, 'bob').getByRole('button', { name: 'Restart link to Bob (bob)', exact: true }).count()).resolves.toBe(1);

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
    await eventually(() => card(alice, 'bob').locator('video').isVisible()).toBe(true);
    // Said once to a screen reader, when the state has held (not every step on the way).
    await eventually(() => alice.locator('#announcer').textContent()).toBe('Link to Bob (bob): connected');
    await alice.screenshot({ path: SCREENSHOT, fullPage: true });

    // A third page, without a camera (DataChannel only), connects to both,
    // then closes: both drop it from the list and the mesh.
    const carol = await joinAs('meet', 'Carol', 'carol', { camera: false });
    await connectedTo(carol, 'alice');
    await connectedTo(carol, 'bob');
    await connectedTo(alice, 'carol');
    await connectedTo(bob, 'carol');
    // Carol sends no video: no empty black box for her.
    expect(await card(alice, 'carol').locator('video').isHidden()).toBe(true);
    expect(await carol.locator('#local-video').isHidden()).toBe(true);
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
    // Notes of the glare (an offer refused) are gone once the link is settled again.
    await eventually(() => card(ann, 'ben').locator('.notes').textContent()).toBe('');
    await eventually(() => card(ben, 'ann').locator('.notes').textContent()).toBe('');

    // And the link still carries data both ways.
    await card(ann, 'ben').getByRole('button', { name: 'Ping over DataChannel to Ben (ben)' }).click();
    await card(ben, 'ann').getByRole('button', { name: 'Ping over DataChannel to Ann (ann)' }).click();
    await eventually(() => ben.locator('[data-peer-id="ann"] .dc-message').textContent()).toContain('ping from Ann');
    await eventually(() => ann.locator('[data-peer-id="ben"] .dc-message').textContent()).toContain('ping from Ben');
    await ann.context().close();
    await ben.context().close();
  }, 40_000);

  it('Leave while the camera prompt is open: no connection, no ghost, the camera released; Join again makes one session', async () => {
    const alice = await joinAs('prompt', 'Alice', 'alice', { camera: false });
    const gus = await openPage('room=prompt&name=Gus&peer=gus', { init: [CAMERA_PROMPT, SOCKET_SPY] });
    await pressJoin(gus);
    await eventually(() => gus.getByRole('status').textContent()).toContain('Asking for the camera');
    await gus.getByRole('button', { name: 'Leave' }).click();
    expect(await gus.evaluate('document.activeElement.id')).toBe('name');

    // The user answers the prompt after leaving: the camera goes off at once, nothing connects.
    await gus.evaluate('releaseCamera()');
    await gus.waitForFunction(`cameraStreams.length === 1 && cameraStreams[0].getTracks().every((t) => t.readyState === 'ended')`, undefined, {
      timeout: 5_000,
    });
    expect(await gus.evaluate('socketsOpened')).toBe(0);
    expect(await gus.getByRole('status').textContent()).toBe('Not connected.');
    expect(await gus.evaluate(`document.getElementById('local-video').srcObject`)).toBeNull();
    expect(await card(alice, 'gus').count()).toBe(0);

    // Join again, submitted twice at once: one session, one socket, listed once.
    await gus.getByLabel('Use my camera and microphone').uncheck();
    await gus.evaluate(`{ const form = document.getElementById('join-form'); form.requestSubmit(); form.requestSubmit(); }`);
    await eventually(() => gus.getByRole('status').textContent()).toContain('In room prompt');
    await eventually(() => card(alice, 'gus').count()).toBe(1);
    await connectedTo(gus, 'alice');
    expect(await gus.evaluate('socketsOpened')).toBe(1);
    await gus.context().close();
    await alice.context().close();
  }, 40_000);

  it('an offer from a peer that has left brings back no link and no card; the same peerId can come back', async () => {
    const alice = await joinAs('late', 'Alice', 'alice', { camera: false, init: [SOCKET_SPY] });
    const offer = await alice.evaluate(AN_OFFER);
    // 'aaron' < 'alice': Alice is the polite side and waits for Aaron's offer.
    const openAaron = async () => {
      const peer = createPeer(`${stack.url}?roomId=late&peerId=aaron`);
      peer.on('request', () => {}); // Alice's own offers stay unanswered
      await once(peer, 'open');
      await peer.request('join', { data: { displayName: 'Aaron' } });
      return peer;
    };
    const sendOffer = (peer: ProtooPeer) => peer.request('peerRequest', { peerId: 'alice', method: 'offer', data: { description: offer, seen: 0 } });

    const aaron = await openAaron();
    await eventually(() => card(alice, 'aaron').count()).toBe(1);
    // Aaron offers, then leaves; Alice gets his offer only after his peerClosed.
    await alice.evaluate(`window.holdOffersFrom = 'aaron'`);
    sendOffer(aaron).catch(() => {}); // never answered: Aaron is gone
    await eventually(() => alice.evaluate('held.length')).toBe(1);
    aaron.close();
    await eventually(() => card(alice, 'aaron').count()).toBe(0);
    await alice.evaluate(`window.holdOffersFrom = undefined; releaseHeld()`);
    expect(await card(alice, 'aaron').count()).toBe(0);
    expect(await peerIds(alice)).toEqual([]);

    // Aaron really comes back (newPeer): listed again, and his offer is answered.
    const again = await openAaron();
    await eventually(() => card(alice, 'aaron').count()).toBe(1);
    const { description } = await sendOffer(again);
    expect(description.type).toBe('answer');
    expect(await peerIds(alice)).toEqual(['aaron']);
    again.close();
    await alice.context().close();
  }, 30_000);

  it('over plain http on a name that is not localhost: no camera (said why), a random peerId, a DataChannel link', async () => {
    const lan = await openPage('room=lan&name=Lan', {}, `http://${LAN_HOST}:${stack.port}/`);
    expect(await lan.evaluate('window.isSecureContext')).toBe(false);
    await expect(lan.locator('#media-note').textContent()).resolves.toContain('need https or localhost');
    expect(await lan.getByLabel('Use my camera and microphone').isDisabled()).toBe(true);
    expect(await lan.getByLabel('Use my camera and microphone').isChecked()).toBe(false);
    await pressJoin(lan);
    await eventually(() => lan.getByRole('status').textContent()).toContain('In room lan');
    const lanId = (await lan.evaluate('demo.peerId()')) as string;
    expect(lanId).toMatch(/^p-[0-9a-f]{8}$/);

    const zoe = await joinAs('lan', 'Zoe', 'zoe', { camera: false });
    await connectedTo(lan, 'zoe');
    await connectedTo(zoe, lanId);
    await lan.context().close();
    await zoe.context().close();
  }, 30_000);

  it("a token's peerId claim, else its sub (JWKS mode), is the page's own peerId", async () => {
    // JWKS: the IdP's token names the peer in `sub`; the room is the page's choice.
    const sam = await openPage(`token=${unsignedJwt({ sub: 'sam', exp: 4e9 })}&room=jw&name=Sam`, { camera: false });
    expect(await sam.getByRole('textbox', { name: 'Room', exact: true }).isEditable()).toBe(true);
    await pressJoin(sam);
    await eventually(() => sam.getByRole('status').textContent()).toContain('In room jw as Sam (sam)');
    expect(await sam.evaluate('demo.peerId()')).toBe('sam');

    // An HS256 join token names both: peerId wins over sub, and the room is fixed.
    const pat = await openPage(`token=${unsignedJwt({ peerId: 'pat', sub: 'someone', roomId: 'jw' })}&room=other&name=Pat`, { camera: false });
    expect(await pat.getByRole('textbox', { name: 'Room', exact: true }).inputValue()).toBe('jw');
    expect(await pat.getByRole('textbox', { name: 'Room', exact: true }).isEditable()).toBe(false);
    await pressJoin(pat);
    await eventually(() => pat.getByRole('status').textContent()).toContain('In room jw as Pat (pat)');
    await eventually(() => card(sam, 'pat').count()).toBe(1);
    await sam.context().close();
    await pat.context().close();
  }, 30_000);
});
