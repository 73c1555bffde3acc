/**
 * The demo page on the local stack's HTTP port (local/demo-server.ts):
 * GET and HEAD of its own files only, everything else answered as before
 * (426 on the WebSocket paths, 403 elsewhere), WebSocket upgrades untouched;
 * the startup line that names it; and `npm run demo:build`'s files.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FILES, writeDemo } from '../../demo/build.js';
import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';
import { connect, recorder } from './helpers.js';
import { startCli } from './start-cli.js';

describe('the demo page on the local stack', () => {
  let stack: LocalStack;
  let base: string;
  beforeAll(async () => {
    stack = await startLocalStack({ handlers: recorder().handlers, dynamodb: 'none', keepAlive: false });
    base = stack.demoUrl.replace(/\/$/, '');
  });
  afterAll(() => stack?.stop());

  it('demoUrl is the HTTP root of the WebSocket port', () => {
    expect(stack.demoUrl).toBe(`http://127.0.0.1:${stack.port}/`);
  });

  it.each([
    ['/', 'text/html; charset=utf-8'],
    ['/index.html', 'text/html; charset=utf-8'],
    ['/app.js', 'text/javascript; charset=utf-8'],
    ['/style.css', 'text/css; charset=utf-8'],
    ['/?room=demo&name=Ann', 'text/html; charset=utf-8'],
  ])('GET %s: 200 %s', async (path, type) => {
    const res = await fetch(base + path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    const body = await res.text();
    expect(body.length).toBeGreaterThan(0);
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(body));
  });

  it('the page links exactly the files that are served', async () => {
    const html = await (await fetch(`${base}/`)).text();
    expect(html).toContain('src="./app.js"');
    expect(html).toContain('href="./style.css"');
    expect([...DEMO_FILES].sort()).toEqual(['app.js', 'index.html', 'style.css']);
  });

  it('HEAD / answers like GET, without a body', async () => {
    const get = await fetch(`${base}/`);
    const head = await fetch(`${base}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'));
    expect(await head.text()).toBe('');
  });

  it.each([
    ['GET', '/favicon.ico', 403],
    ['GET', '/app.js.map', 403],
    ['GET', '/demo/index.html', 403],
    ['GET', '/../package.json', 403],
    ['GET', '/%2e%2e/package.json', 403],
    ['POST', '/', 403], // only GET and HEAD are the page's
    ['GET', '/local', 426], // the stage's WebSocket path without an upgrade, as API Gateway answers
  ])('%s %s is not the page: %i, as the emulated API answers it', async (method, path, status) => {
    const res = await fetch(base + path, { method });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).not.toMatch(/text\/html/);
  });

  it('WebSocket upgrades on / and on the stage still reach $connect', async () => {
    for (const url of [stack.rootUrl, stack.url]) {
      const client = await connect(`${url}?roomId=r&peerId=p`);
      expect(client.ws.protocol).toBe('protoo');
      client.ws.close();
      await client.closed;
    }
  });
});

describe('npm start', () => {
  it('prints the demo page URL, which serves the page', async () => {
    const { child, exited, stdout } = await startCli({
      ...process.env,
      PORT: '0',
      LOCAL_STACK_LOG: 'warn',
      LOG_LEVEL: 'error',
      DYNAMODB_ENDPOINT: '',
      DYNAMODB_ENGINE: '',
    });
    try {
      const demoUrl = /^ {2}Demo page: +(http:\/\/127\.0\.0\.1:\d+\/) {3}\(open it in two tabs\)$/m.exec(stdout())?.[1];
      expect(demoUrl, stdout()).toBeDefined();
      const res = await fetch(demoUrl!);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<title>protoo-serverless demo</title>');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});

describe('npm run demo:build', () => {
  let outDir: string;
  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'demo-build-'));
  });
  afterAll(() => rm(outDir, { recursive: true, force: true }));

  it('writes index.html, app.js and style.css: static files that work from any host', async () => {
    const target = join(outDir, 'nested', 'dist'); // created when missing
    expect((await writeDemo(target)).map((path) => path.slice(target.length + 1)).sort()).toEqual(['app.js', 'index.html', 'style.css']);
    expect((await readdir(target)).sort()).toEqual(['app.js', 'index.html', 'style.css']);
    const html = await readFile(join(target, 'index.html'), 'utf8');
    // Relative links: the files can be hosted under any path.
    expect(html).toContain('src="./app.js"');
    expect(html).toContain('href="./style.css"');
    const js = await readFile(join(target, 'app.js'), 'utf8');
    expect(js).not.toMatch(/^import |\bimport\s*\{[^}]*\}\s*from\s*["']protoo-client["']/m); // protoo-client bundled in
    expect(js).toContain('WebSocket');
    expect((await readFile(join(target, 'style.css'), 'utf8')).length).toBeGreaterThan(0);
  });
});
