/**
 * The SDK clients as the runtime builds them (lambda/lean-sdk-client.ts):
 * against a loopback server that records what reaches it, every call still
 * goes to its own URL, signed, with its own input — the Management API
 * client resolves its middleware once (cacheMiddleware) and its endpoint
 * without rules — and without the user-agent headers it no longer builds.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from '../../lambda/protocol/encode.js';
import { createNotification } from '../../lambda/protocol/messages.js';
import { ConnectionSender } from '../../lambda/delivery/connection-sender.js';
import { createManagementClient } from '../../lambda/delivery/management-client.js';
import { DEFAULT_MANAGEMENT_CLIENT_SETTINGS } from '../../lambda/delivery/management-client-settings.js';
import { createDynamoDBClient, DEFAULT_DYNAMODB_CLIENT_SETTINGS } from '../../lambda/store/dynamodb-client.js';
import { marshallingTableClient } from '../../lambda/store/table-clients.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let origin: string;
const received: Received[] = [];

beforeAll(async () => {
  process.env.AWS_REGION ??= 'us-east-1';
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (req.headers['x-amz-target']?.toString().startsWith('DynamoDB_')) {
        res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ Item: { pk: { S: 'answered' } } }));
      } else res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const credentials = { accessKeyId: 'AKIDLEAN', secretAccessKey: 'secret' };

describe('the Management API client', () => {
  it('sends each call to its own connection, signed for execute-api, with its own body, though the middleware is resolved once', async () => {
    const client = createManagementClient(`${origin}/prod`, DEFAULT_MANAGEMENT_CLIENT_SETTINGS);
    Object.assign(client.config, { credentials: async () => credentials });
    const sender = new ConnectionSender(client);
    received.length = 0;
    expect(await sender.post('conn-A=', encode(createNotification('first')))).toBe('sent');
    expect(await sender.post('conn-B=', encode(createNotification('second', { n: 2 })))).toBe('sent');
    await sender.close('conn-C=');
    expect(received.map(({ method, url }) => `${method} ${url}`)).toEqual([
      'POST /prod/@connections/conn-A%3D',
      'POST /prod/@connections/conn-B%3D',
      'DELETE /prod/@connections/conn-C%3D',
    ]);
    expect(received.slice(0, 2).map(({ body }) => JSON.parse(body).method)).toEqual(['first', 'second']);
    for (const { headers } of received) {
      expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLEAN\/\d{8}\/us-east-1\/execute-api\/aws4_request, SignedHeaders=.*host/);
      expect(headers['x-amz-user-agent']).toBeUndefined();
    }
    client.destroy();
  });
});

describe("the store's DynamoDB client", () => {
  it('still marshals, signs for dynamodb and unmarshals, without the user-agent headers, call after call through its cached middleware', async () => {
    const client = createDynamoDBClient(origin, DEFAULT_DYNAMODB_CLIENT_SETTINGS);
    Object.assign(client.config, { credentials: async () => credentials });
    const table = marshallingTableClient(client);
    received.length = 0;
    for (const pk of ['room#1', 'room#2']) {
      const { Item } = await table.get({ TableName: 't', Key: { pk } });
      expect(Item).toEqual({ pk: 'answered' });
    }
    expect(received).toHaveLength(2);
    expect(received.map(({ body }) => JSON.parse(body))).toEqual([
      { TableName: 't', Key: { pk: { S: 'room#1' } } },
      { TableName: 't', Key: { pk: { S: 'room#2' } } },
    ]);
    for (const { headers } of received) {
      expect(headers.authorization).toMatch(/Credential=AKIDLEAN\/\d{8}\/us-east-1\/dynamodb\/aws4_request/);
      expect(headers['x-amz-user-agent']).toBeUndefined();
    }
    client.destroy();
  });
});
