/**
 * Bundles the demo page: the real protoo-client and our modules into one
 * browser ES module, next to index.html and style.css. Used by the local
 * stack (in memory) and by `npm run demo:build` (to demo/dist/, static
 * files that can be hosted anywhere).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const DEMO_DIR = dirname(fileURLToPath(import.meta.url));

/** Every file of the page; the local stack serves these names and nothing else. */
export const DEMO_FILES = ['index.html', 'app.js', 'style.css'] as const;

/** File name → contents, one entry per DEMO_FILES name. */
export async function buildDemo(): Promise<Map<string, Buffer>> {
  const result = await build({
    entryPoints: [join(DEMO_DIR, 'src/main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser', // protoo-client's `websocket` dependency then uses the browser's WebSocket
    target: 'es2022',
    minify: true,
    sourcemap: 'inline',
    write: false,
    logLevel: 'silent',
  });
  const files = new Map<string, Buffer>();
  files.set('app.js', Buffer.from(result.outputFiles[0].contents));
  for (const name of ['index.html', 'style.css']) files.set(name, await readFile(join(DEMO_DIR, name)));
  return files;
}

/** What `npm run demo:build` does: the page's files into outDir (created if missing); their paths. */
export async function writeDemo(outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, contents] of await buildDemo()) {
    await writeFile(join(outDir, name), contents);
    written.push(join(outDir, name));
  }
  return written;
}

// `npm run demo:build [outDir]`
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = process.argv[2] ?? join(DEMO_DIR, 'dist');
  await writeDemo(outDir);
  console.log(`demo built into ${outDir}: open index.html over http(s) with ?ws=wss://…`);
}
