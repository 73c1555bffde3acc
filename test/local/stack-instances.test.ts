/**
 * The runtime configures itself once, at its first invocation
 * (lambda/container.ts); the local stack loads a fresh instance of the app
 * module per stack, so stacks started one after another in one process —
 * each with its own engine and table — are each served by handlers
 * configured for them, not for the first.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';
import { openPeer, type TestPeer } from '../integration/support/protoo.js';

let stack: LocalStack | undefined;
const peers: TestPeer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  await stack?.stop();
  stack = undefined;
});

describe('one stack after another in one process', () => {
  it('serves each stack from its own engine and table', async () => {
    for (const tableName of ['first-stack-table', 'second-stack-table', 'third-stack-table']) {
      stack = await startLocalStack({ tableName, env: { LOG_LEVEL: 'error' } });
      const a = await openPeer(stack.url, 'room', 'a');
      const b = await openPeer(stack.url, 'room', 'b');
      peers.push(a, b);
      // A fresh engine: the room is empty, whatever the stacks before held.
      expect(await a.peer.request('join', { data: { table: tableName } })).toEqual({ peers: [] });
      expect(await b.peer.request('join', { data: { table: tableName } })).toEqual({ peers: [{ id: 'a', data: { table: tableName } }] });
      for (const p of peers.splice(0)) p.close();
      await stack.stop();
      stack = undefined;
    }
  });
});
