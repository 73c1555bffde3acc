/**
 * What one PostToConnection costs the caller, four ways, in one process and
 * one run, against the same loopback Management API: the runtime's own
 * client (its lambda/delivery/management-client.ts), a default SDK v3
 * client, the same request signed with SigV4 by hand and sent with
 * node:http, and the same request unsigned. Rounds alternate the four; the
 * figure is the median round's CPU (and wall) time per post.
 */
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './stats.js';

export interface PostCost {
  variant: string;
  cpuUsPerPost: number;
  wallUsPerPost: number;
}

const credentials = { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'bench', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'bench' };
const region = process.env.AWS_REGION ?? 'us-east-1';

/** SignatureV4's hash: SHA-256 (or its HMAC) from node:crypto. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | Uint8Array) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
  update(data: string | Uint8Array) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

type Post = () => Promise<void>;

function rawPost(endpoint: string, connectionId: string, body: Uint8Array, signer?: SignatureV4): Post {
  const url = new URL(`${endpoint}/@connections/${encodeURIComponent(connectionId)}`);
  const agent = new Agent({ keepAlive: true, maxSockets: 50 });
  return async () => {
    let headers: Record<string, string> = { host: url.host, 'content-type': 'application/json', 'content-length': String(body.length) };
    if (signer) {
      const signed = await signer.sign({ method: 'POST', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname, headers, body });
      headers = signed.headers;
    }
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, agent }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  };
}

async function runtimeClient(root: string, endpoint: string): Promise<{ send(command: unknown): Promise<unknown> } | undefined> {
  try {
    const module = (await import(pathToFileURL(join(root, 'lambda/delivery/management-client.ts')).href)) as {
      managementClientFor?: (endpoint: string) => { send(command: unknown): Promise<unknown> };
    };
    return module.managementClientFor?.(endpoint);
  } catch {
    return undefined;
  }
}

export async function measurePostCost(args: { root?: string; managementEndpoint: string; connectionId: string; times: number; rounds?: number }): Promise<PostCost[]> {
  const { managementEndpoint: endpoint, connectionId, times } = args;
  const rounds = args.rounds ?? 5;
  const payload = JSON.stringify({ notification: true, method: 'chatMessage', data: { from: 'p1', data: { text: 'hello from the benchmark' } } });
  const body = new TextEncoder().encode(payload);
  const sdk = new ApiGatewayManagementApiClient({
    endpoint,
    region,
    credentials,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 50 }) },
  });
  const command = () => new PostToConnectionCommand({ ConnectionId: connectionId, Data: body });
  const variants: { variant: string; post: Post }[] = [];
  const own = args.root ? await runtimeClient(args.root, endpoint) : undefined;
  if (own) variants.push({ variant: "runtime's client (SDK)", post: async () => void (await own.send(command())) });
  variants.push(
    { variant: 'SDK v3 client, defaults', post: async () => void (await sdk.send(command())) },
    { variant: 'raw SigV4 request (node:http)', post: rawPost(endpoint, connectionId, body, new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 as never })) },
    { variant: 'unsigned request (node:http)', post: rawPost(endpoint, connectionId, body) },
  );
  const perRound = Math.max(1, Math.floor(times / rounds));
  const samples = new Map<string, { cpu: number[]; wall: number[] }>(variants.map(({ variant }) => [variant, { cpu: [], wall: [] }]));
  // Warm every path (connections, lazy module loads, JIT) before counting.
  for (const { post } of variants) for (let i = 0; i < 50; i++) await post();
  for (let round = 0; round < rounds; round++) {
    for (const { variant, post } of variants) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < perRound; i++) await post();
      const used = process.cpuUsage(cpu);
      samples.get(variant)!.cpu.push((used.user + used.system) / perRound);
      samples.get(variant)!.wall.push(((performance.now() - started) * 1000) / perRound);
    }
  }
  sdk.destroy();
  return variants.map(({ variant }) => ({ variant, cpuUsPerPost: median(samples.get(variant)!.cpu), wallUsPerPost: median(samples.get(variant)!.wall) }));
}
