/**
 * One runtime under test, running: its loopback AWS services in one child
 * process and its handlers in another (so the handler process's CPU time is
 * the handler's alone).
 */
import type { Endpoints } from './loopback-aws.js';
import { benchFile, startWorker, type Worker } from './ipc.js';

export interface RuntimeSide {
  /** 'this checkout', or 'baseline 3b9b70a'. */
  label: string;
  root: string;
  services: Worker;
  handler: Worker;
  endpoints: Endpoints;
}

/** What the handlers read from the environment: the room relay sized for the fan-out rooms, no rate limit, no keep-alive. */
export function runtimeEnv(endpoints: Endpoints): NodeJS.ProcessEnv {
  return {
    TABLE_NAME: endpoints.tableName,
    DYNAMODB_ENDPOINT: endpoints.dynamodb,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: 'us-east-1',
    AWS_PROFILE: '',
    BENCH_MANAGEMENT_HOST: endpoints.managementHost,
    BENCH_STAGE: endpoints.stage,
    // 1,100 peers of 24 bytes of info: a full room's peer list still fits one 128 KB message.
    ROOM_MAX_PEERS: '1100',
    PEER_INFO_MAX_BYTES: '24',
    RATE_LIMIT_PER_SECOND: '0',
    KEEP_ALIVE: 'off',
    // The deployed default: one info line per invocation, written (to nowhere).
    LOG_LEVEL: 'info',
  };
}

export async function startRuntimeSide(label: string, root: string): Promise<RuntimeSide> {
  const services = await startWorker(`${label}: loopback AWS`, benchFile('loopback-aws.ts'), { args: [root] });
  try {
    const endpoints = await services.call<Endpoints>('endpoints');
    const handler = await startWorker(`${label}: handlers`, benchFile('handler-process.ts'), { args: [root], env: runtimeEnv(endpoints), quiet: true });
    return { label, root, services, handler, endpoints };
  } catch (error) {
    await services.stop();
    throw error;
  }
}

export async function stopRuntimeSide(side: RuntimeSide): Promise<void> {
  await side.handler.stop();
  await side.services.stop();
}
