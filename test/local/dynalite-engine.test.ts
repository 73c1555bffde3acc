/**
 * The embedded engine's worker thread, from outside: it serves DynamoDB on
 * its endpoint until stop(), after which nothing listens there; a host it
 * cannot listen on is refused in words.
 */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { startEmbeddedDynalite } from '../../local/dynalite-engine.js';

const client = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });

describe('the embedded dynalite engine (a worker thread)', () => {
  it('answers DynamoDB calls on its endpoint until stopped, then nothing listens there', async () => {
    const engine = await startEmbeddedDynalite('127.0.0.1');
    const dynamo = client(engine.endpoint);
    expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    await engine.stop();
    await expect(dynamo.send(new ListTablesCommand({}))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    dynamo.destroy();
  });

  it('refuses a host it cannot listen on, naming it', async () => {
    // 192.0.2.1 (TEST-NET-1) is no address of this machine.
    await expect(startEmbeddedDynalite('192.0.2.1')).rejects.toThrow(/^dynalite could not listen on 192\.0\.2\.1: .*EADDRNOTAVAIL/);
  });
});
