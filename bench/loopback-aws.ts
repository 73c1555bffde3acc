/**
 * Child process: the AWS services a runtime talks to, on loopback, in a
 * process of their own (so their CPU is never billed to the handler):
 *
 * - DynamoDB: embedded dynalite behind a small proxy that counts every call
 *   on the wire (retries included, as AWS bills them), asks dynalite for the
 *   capacity each call consumed (ReturnConsumedCapacity), and can add a
 *   fixed latency per call;
 * - the Management API (@connections): answers every PostToConnection,
 *   DeleteConnection and GetConnection, counts them, remembers what each
 *   connection was last sent, when each post arrived and was answered, and
 *   can add a fixed latency per call (API Gateway's answer time).
 *
 * argv[2]: the runtime root whose lambda/store/table-schema.ts makes the table.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startEmbeddedDynalite } from '../local/dynalite-engine.js';
import { serveWorker } from './ipc.js';

export const TABLE_NAME = 'bench';
export const STAGE = 'bench';
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
const BUCKET_ATTRIBUTE = 'keepAliveBucket';

export interface Counts {
  calls: Record<string, number>;
  /** Read and write request units DynamoDB on-demand would bill (consistent reads, 4 KB / 1 KB units, index writes added). */
  rru: number;
  wru: number;
}

export interface Endpoints {
  dynamodb: string;
  managementHost: string;
  managementEndpoint: string;
  stage: string;
  tableName: string;
}

export interface Deliveries {
  posts: number;
  /** process.hrtime.bigint() values (one clock for every process on this machine), as strings. */
  firstReceived?: string;
  lastReceived?: string;
  lastAnswered?: string;
}

const root = process.argv[2];
let counts: Counts = { calls: {}, rru: 0, wru: 0 };
let deliveries: Deliveries = { posts: 0 };
let dynamoLatencyMs = 0;
let managementLatencyMs = 0;
const lastSent = new Map<string, string>();
/** Ids of the requests posted to each connection (a relayed peerRequest), until taken. */
const requestIds = new Map<string, number[]>();
/** Items written with a keep-alive bucket: they are in the index, so deleting them writes it too. */
const indexed = new Set<string>();

const count = (key: string) => (counts.calls[key] = (counts.calls[key] ?? 0) + 1);
const later = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : undefined);
const keyOf = (key: Record<string, { S?: string }> | undefined) => (key ? `${key.pk?.S}|${key.sk?.S}` : '');

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function startDynamoProxy(target: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const upstream = new URL(target);
  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const action = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
    count(`DynamoDB.${action}`);
    let body = raw;
    let input: Record<string, any> = {};
    if (READS.has(action) || WRITES.has(action)) {
      input = JSON.parse(raw.toString('utf8'));
      if (!input.ReturnConsumedCapacity) body = Buffer.from(JSON.stringify({ ...input, ReturnConsumedCapacity: 'TOTAL' }));
    }
    const headers = { ...req.headers, 'content-length': String(body.length) };
    const answer = await new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
      const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent }, async (response) =>
        resolve({ status: response.statusCode ?? 500, headers: response.headers, body: await readBody(response) }),
      );
      forward.on('error', reject);
      forward.end(body);
    });
    if (answer.status === 200 && (READS.has(action) || WRITES.has(action))) {
      const output = JSON.parse(answer.body.toString('utf8'));
      const units = [output.ConsumedCapacity ?? []].flat().reduce((sum: number, c: { CapacityUnits?: number }) => sum + (c.CapacityUnits ?? 0), 0);
      if (READS.has(action)) counts.rru += units;
      else counts.wru += units;
      // dynalite leaves out the index: an item with a bucket is written to it too.
      if (action === 'PutItem' && input.Item?.[BUCKET_ATTRIBUTE]) {
        counts.wru += 1;
        indexed.add(keyOf(input.Item));
      } else if (action === 'DeleteItem' && indexed.delete(keyOf(input.Key))) counts.wru += 1;
    } else if (answer.status === 400 && WRITES.has(action) && answer.body.includes('ConditionalCheckFailed')) {
      counts.wru += 1; // a failed condition is billed as a write
    }
    await later(dynamoLatencyMs);
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, agent };
}

async function managementApi(req: IncomingMessage, res: ServerResponse) {
  const received = process.hrtime.bigint();
  const body = await readBody(req);
  const match = /\/@connections\/([^/?]+)/.exec(req.url ?? '');
  const connectionId = match ? decodeURIComponent(match[1]) : '';
  const answer = (status: number, json?: object) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(json ? JSON.stringify(json) : undefined);
  };
  if (req.method === 'POST') {
    count('ManagementApi.PostToConnection');
    const text = body.toString('utf8');
    lastSent.set(connectionId, text);
    if (text.includes('"request":true')) {
      const list = requestIds.get(connectionId) ?? [];
      list.push(JSON.parse(text).id);
      requestIds.set(connectionId, list);
    }
    deliveries.posts++;
    deliveries.firstReceived ??= String(received);
    deliveries.lastReceived = String(received);
    await later(managementLatencyMs);
    deliveries.lastAnswered = String(process.hrtime.bigint());
    return answer(200);
  }
  await later(managementLatencyMs);
  if (req.method === 'DELETE') {
    count('ManagementApi.DeleteConnection');
    return answer(204);
  }
  count('ManagementApi.GetConnection');
  const at = new Date().toISOString();
  return answer(200, { connectedAt: at, lastActiveAt: at, identity: { sourceIp: '127.0.0.1', userAgent: 'bench' } });
}

async function main() {
  const dynalite = await startEmbeddedDynalite('127.0.0.1');
  const schema = (await import(pathToFileURL(join(root, 'lambda/store/table-schema.ts')).href)) as { createTableInput(name: string): object };
  const raw = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials });
  await raw.send(new CreateTableCommand(schema.createTableInput(TABLE_NAME) as never));
  const documentClient = DynamoDBDocumentClient.from(raw);
  const proxy = await startDynamoProxy(dynalite.endpoint);
  const sink = createServer((req, res) => void managementApi(req, res));
  sink.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const sinkHost = `127.0.0.1:${(sink.address() as AddressInfo).port}`;

  serveWorker(
    {
      endpoints: (): Endpoints => ({ dynamodb: proxy.endpoint, managementHost: sinkHost, managementEndpoint: `http://${sinkHost}/${STAGE}`, stage: STAGE, tableName: TABLE_NAME }),
      reset: () => {
        counts = { calls: {}, rru: 0, wru: 0 };
        deliveries = { posts: 0 };
      },
      counts: () => counts,
      deliveries: () => deliveries,
      latency: (args: { dynamoMs?: number; managementMs?: number }) => {
        dynamoLatencyMs = args.dynamoMs ?? 0;
        managementLatencyMs = args.managementMs ?? 0;
      },
      lastSent: (connectionId: string) => {
        const sent = lastSent.get(connectionId);
        return sent === undefined ? undefined : JSON.parse(sent);
      },
      takeRequestIds: (connectionId: string) => {
        const ids = requestIds.get(connectionId) ?? [];
        requestIds.delete(connectionId);
        return ids;
      },
      /** Every item of the table, for the in-memory fakes' snapshot. */
      scan: async () => {
        const items: Record<string, unknown>[] = [];
        let ExclusiveStartKey: Record<string, unknown> | undefined;
        do {
          const page = await documentClient.send(new ScanCommand({ TableName: TABLE_NAME, ExclusiveStartKey }));
          items.push(...(page.Items ?? []));
          ExclusiveStartKey = page.LastEvaluatedKey;
        } while (ExclusiveStartKey);
        return items;
      },
    },
    async () => {
      raw.destroy();
      proxy.agent.destroy();
      proxy.server.closeAllConnections();
      sink.closeAllConnections();
      await Promise.all([new Promise((r) => proxy.server.close(r)), new Promise((r) => sink.close(r))]);
      await dynalite.stop();
    },
  );
}

await main();
