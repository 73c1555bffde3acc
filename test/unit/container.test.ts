/**
 * Configuration, clients, logger and store are built once per container,
 * at the first invocation (lambda/container.ts), as a warm Lambda keeps
 * them: a later change of the environment does not reach running
 * handlers, and a configuration error fails only the invocations that
 * meet it, until the environment is right.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { roomRelay } from '../../lambda/apps/room-relay.js';
import { connectEvent, createHarness } from './support/harness.js';

const tablesWritten = (h: ReturnType<typeof createHarness>) =>
  [...h.dynamo.commandCalls(PutCommand), ...h.dynamo.commandCalls(UpdateCommand)].map((call) => call.args[0].input.TableName);

describe('the container', () => {
  it('reads the environment once: the table of the first invocation serves every later one', async () => {
    const env: NodeJS.ProcessEnv = { TABLE_NAME: 'first-table' };
    const h = createHarness(roomRelay, { env });
    expect((await h.handlers.connect(connectEvent('c1', { roomId: 'r', peerId: 'a' }))).statusCode).toBe(200);
    env.TABLE_NAME = 'second-table';
    expect((await h.handlers.connect(connectEvent('c2', { roomId: 'r', peerId: 'b' }))).statusCode).toBe(200);
    const tables = tablesWritten(h);
    expect(tables.length).toBeGreaterThanOrEqual(2);
    expect(new Set(tables)).toEqual(new Set(['first-table']));
  });

  it('fails the invocations that meet a configuration error (logged), and builds once the environment is right', async () => {
    const env: NodeJS.ProcessEnv = {};
    const h = createHarness(roomRelay, { env });
    const refused = await h.handlers.connect(connectEvent('c1', { roomId: 'r', peerId: 'a' }));
    expect(refused.statusCode).toBe(500);
    expect(h.logs.find((line) => line.level === 'error')).toMatchObject({ message: 'connect', outcome: 'failed', error: 'TABLE_NAME is not set' });
    env.TABLE_NAME = 'late-table';
    expect((await h.handlers.connect(connectEvent('c2', { roomId: 'r', peerId: 'b' }))).statusCode).toBe(200);
    expect(new Set(tablesWritten(h))).toEqual(new Set(['late-table']));
  });
});
