/**
 * $ per million messages of each kind, at AWS list prices (us-east-1,
 * checked 2026-11), from what the benchmark counted and measured:
 *
 * - Lambda (arm64, 256 MB): one request per message, and its duration.
 *   The duration on Lambda is estimated from this machine: the wall time
 *   measured with AWS-like latencies injected (DynamoDB and Management API
 *   calls), plus the CPU time measured here scaled to a 256 MB function's
 *   share of a vCPU (256/1769: Lambda gives 1 vCPU at 1,769 MB), less the
 *   CPU time already inside the wall time; billed per 1 ms.
 * - API Gateway WebSocket: the message received plus every
 *   PostToConnection (each a message sent; all of these are under 32 KB).
 *   Connection minutes are per peer, not per message: see below.
 * - DynamoDB on-demand: the read and write request units, counted on the
 *   wire (consistent reads, index writes included).
 */
export const PRICES = {
  region: 'us-east-1',
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequestPerMillion: 0.2,
  lambdaMemoryMb: 256,
  /** Lambda allocates CPU in proportion to memory: 1 vCPU at 1,769 MB. */
  vcpuAtMb: 1769,
  apiGatewayMessagePerMillion: 1.0,
  apiGatewayConnectionMinutePerMillion: 0.25,
  dynamoWruPerMillion: 0.625,
  dynamoRruPerMillion: 0.125,
} as const;

export interface CostInput {
  /** Handler CPU per message on this machine, µs. */
  cpuUs: number;
  /** Handler wall time per message with AWS-like latencies injected, ms. */
  latencyWallMs: number;
  /** PostToConnection calls per message. */
  posts: number;
  /** Whether the message itself is a billed WebSocket message ($connect and $disconnect are not). */
  inbound: boolean;
  rru: number;
  wru: number;
}

export interface Cost {
  lambdaMs: number;
  lambda: number;
  apiGateway: number;
  dynamodb: number;
  total: number;
}

/** $ per million such messages. */
export function costPerMillion(input: CostInput): Cost {
  const cpuMs = input.cpuUs / 1000;
  const slowdown = PRICES.vcpuAtMb / PRICES.lambdaMemoryMb;
  const lambdaMs = Math.max(1, Math.ceil(input.latencyWallMs + cpuMs * (slowdown - 1)));
  const gbSeconds = (PRICES.lambdaMemoryMb / 1024) * (lambdaMs / 1000);
  const lambda = PRICES.lambdaRequestPerMillion + gbSeconds * PRICES.lambdaArmGbSecond * 1e6;
  const apiGateway = ((input.inbound ? 1 : 0) + input.posts) * PRICES.apiGatewayMessagePerMillion;
  const dynamodb = input.rru * PRICES.dynamoRruPerMillion + input.wru * PRICES.dynamoWruPerMillion;
  return { lambdaMs, lambda, apiGateway, dynamodb, total: lambda + apiGateway + dynamodb };
}

/** $ per peer connected for an hour (API Gateway connection minutes). */
export const CONNECTION_HOUR = 60 * (PRICES.apiGatewayConnectionMinutePerMillion / 1e6);
