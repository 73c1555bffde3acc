/**
 * The WebRTC demo page (demo/) on the local stack's HTTP port, so
 * `npm start` has something to open in a browser. It answers only GET and
 * HEAD of the demo's own paths — `/` and its few files, whose names have a
 * dot, which no stage name can have — and leaves every other request to the
 * emulated API (the Management API's answers stay exactly as on AWS).
 * The page is bundled on its first request, so a stack that nobody opens
 * in a browser starts no slower.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildDemo, DEMO_FILES } from '../demo/build.js';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** Returns true if it answered the request. */
export type DemoHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export function createDemoServer(): DemoHandler {
  let files: Promise<Map<string, Buffer>> | undefined;
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    const name = path === '/' ? 'index.html' : path.slice(1);
    if (!(DEMO_FILES as readonly string[]).includes(name)) return false;
    (files ??= buildDemo()).then(
      (built) => {
        const body = built.get(name);
        if (!body) {
          res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n');
          return;
        }
        res.writeHead(200, { 'Content-Type': TYPES[name.split('.')[1]], 'Content-Length': body.length, 'Cache-Control': 'no-cache' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (error) => {
        files = undefined; // a fixed source builds on the next request
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`demo build failed: ${String(error)}\n`);
      },
    );
    return true;
  };
}
