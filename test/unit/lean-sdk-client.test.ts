/**
 * The SDK clients as the runtime builds them (lambda/lean-sdk-client.ts):
 * against a loopback server that records what reaches it, every call still
 * goes to its own URL, signed, with its own input — the Management API
 * client resolves its middleware once (cacheMiddleware) and its endpoint
 * without rules — and without the user-agent headers it no longer builds.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from '../../lambda/protocol/encode.js';
import { createNotification } from '../../lambda/protocol/messages.js';
import { ConnectionSender } from '../../lambda/delivery/connection-sender.js';
import { createManagementClient } from '../../lambda/delivery/management-client.js';
import { DEFAULT_MANAGEMENT_CLIENT_SETTINGS } from '../../lambda/delivery/management-client-settings.js';
import { createDocumentClient, DEFAULT_DOCUMENT_CLIENT_SETTINGS } from '../../lambda/store/document-client.js';

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

describe('the DynamoDB document client', () => {
  it('still marshals, signs for dynamodb and unmarshals, without the user-agent headers', async () => {
    const client = createDocumentClient(origin, DEFAULT_DOCUMENT_CLIENT_SETTINGS);
    Object.assign(client.config, { credentials: async () => credentials });
    received.length = 0;
    const { Item } = await client.send(new GetCommand({ TableName: 't', Key: { pk: 'room#1' } }));
    expect(Item).toEqual({ pk: 'answered' });
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0].body)).toEqual({ TableName: 't', Key: { pk: { S: 'room#1' } } });
    expect(received[0].headers.authorization).toMatch(/Credential=AKIDLEAN\/\d{8}\/us-east-1\/dynamodb\/aws4_request/);
    expect(received[0].headers['x-amz-user-agent']).toBeUndefined();
    client.destroy();
  });
});
