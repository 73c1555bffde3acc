/**
 * Child process: one runtime's handlers (argv[2] is its source tree), driven
 * message by message by the parent, with this process's CPU time measured
 * around each invocation. Three sets of handlers, one table:
 *
 * - `entry`: lambda/entry.ts with its own SDK clients (the deployed path),
 *   talking to the loopback services (loopback-aws.ts, another process);
 * - `setup`: the same app with the real DynamoDB client and a Management
 *   API that costs nothing, to build rooms of hundreds of peers without
 *   paying for every newPeer on the way;
 * - `fake`: the in-memory fakes (fake-clients.ts) over a snapshot of the
 *   table, for the runtime's own CPU.
 *
 * The environment (TABLE_NAME, DYNAMODB_ENDPOINT, …) comes from the parent.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InMemoryDocumentClient, InMemoryManagementClient } from './fake-clients.js';
import { serveWorker } from './ipc.js';
import { eventsFor, lambdaContext, loadEntry, loadFactory, type BenchEvent, type RuntimeHandlers } from './runtime-under-test.js';
import { measurePostCost } from './sdk-cost.js';

type Via = 'entry' | 'setup' | 'fake';
export type Route = 'connect' | 'message' | 'disconnect';

export interface Invocation {
  route: Route;
  i: number;
  room?: string;
  body?: object;
}

export interface Measured {
  times: number;
  cpuUs: number;
  wallUs: number;
  /** The last invocation's result (statusCode, body). */
  result?: unknown;
}

const root = process.argv[2];
const managementHost = process.env.BENCH_MANAGEMENT_HOST!;
const stage = process.env.BENCH_STAGE!;
const events = eventsFor(managementHost, stage);

const entry = await loadEntry(root);
const factory = await loadFactory(root);
const realDocumentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT }), {
  marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
});
const freeManagement = new InMemoryManagementClient();
const setup = factory({ documentClient: realDocumentClient, managementClient: () => freeManagement });
let fake: RuntimeHandlers | undefined;
let fakeManagement: InMemoryManagementClient | undefined;

function handlersFor(via: Via): RuntimeHandlers {
  if (via === 'entry') return entry;
  if (via === 'setup') return setup;
  if (!fake) throw new Error('load the fakes first (useFakes)');
  return fake;
}

function eventFor({ route, i, room, body }: Invocation): BenchEvent {
  if (route === 'connect') return events.connect(i, room ?? 'bench');
  if (route === 'disconnect') return events.disconnect(i);
  return events.message(i, body ?? {});
}

/** Runs invocations one after another (Lambda runs one at a time per instance) and sums their CPU and wall time. */
async function run(via: Via, invocations: Invocation[]): Promise<Measured> {
  const handlers = handlersFor(via);
  let cpuUs = 0;
  let wallUs = 0;
  let result: unknown;
  for (const invocation of invocations) {
    const event = eventFor(invocation);
    const context = lambdaContext();
    const cpu = process.cpuUsage();
    const started = performance.now();
    result = await handlers[invocation.route](event, context);
    wallUs += (performance.now() - started) * 1000;
    const used = process.cpuUsage(cpu);
    cpuUs += used.user + used.system;
  }
  return { times: invocations.length, cpuUs, wallUs, result };
}

const join = (i: number) => ({ request: true, id: 1_000_000 + i, method: 'join', data: { data: { n: `p${i}` } } });

serveWorker({
  /** Connects and joins peers [from, to) to `room`, one after another. */
  buildRoom: async ({ room, from, to, via = 'setup' }: { room: string; from: number; to: number; via?: Via }) => {
    const started = performance.now();
    for (let i = from; i < to; i++) {
      await run(via, [{ route: 'connect', i, room }]);
      const { result } = await run(via, [{ route: 'message', i, body: join(i) }]);
      if ((result as { statusCode?: number })?.statusCode !== 200) throw new Error(`join of p${i} answered ${JSON.stringify(result)}`);
    }
    return performance.now() - started;
  },
  /**
   * The same, through the runtime with in-memory clients and the room
   * builder app (runtime-under-test.ts: joins without the relay's fan-out),
   * then every item it wrote copied into the real table: a room of a
   * thousand peers in seconds, laid out by the runtime itself.
   */
  buildRoomInMemory: async ({ room, from, to }: { room: string; from: number; to: number }) => {
    const started = performance.now();
    const store = new InMemoryDocumentClient([], { clone: false });
    const nowhere = { send: async () => ({}), destroy() {}, middlewareStack: { add() {}, use() {} } };
    const builder = factory({ documentClient: store, managementClient: () => nowhere }, 'room-builder');
    for (let i = from; i < to; i++) {
      await builder.connect(events.connect(i, room), lambdaContext());
      const result = await builder.message(events.message(i, join(i)), lambdaContext());
      if ((result as { statusCode?: number })?.statusCode !== 200) throw new Error(`join of p${i} answered ${JSON.stringify(result)}`);
    }
    const items = store.allItems();
    for (let start = 0; start < items.length; start += 25) {
      let requests = { [process.env.TABLE_NAME!]: items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })) };
      while (Object.keys(requests).length > 0) {
        const { UnprocessedItems } = await realDocumentClient.send(new BatchWriteCommand({ RequestItems: requests }));
        requests = (UnprocessedItems ?? {}) as typeof requests;
      }
    }
    return { ms: performance.now() - started, items: items.length };
  },
  run: ({ via, invocations }: { via: Via; invocations: Invocation[] }) => run(via, invocations),
  /** The same invocation `times` times. */
  repeat: ({ via, invocation, times }: { via: Via; invocation: Invocation; times: number }) => run(via, Array.from({ length: times }, () => invocation)),
  useFakes: ({ items }: { items: Record<string, unknown>[] }) => {
    const management = (fakeManagement = new InMemoryManagementClient());
    fake = factory({ documentClient: new InMemoryDocumentClient(items), managementClient: () => management });
  },
  /** Ids of the requests the fakes' Management API got for a connection, until taken. */
  fakeTakeRequestIds: (connectionId: string) => {
    const ids = fakeManagement?.requestIds.get(connectionId) ?? [];
    fakeManagement?.requestIds.delete(connectionId);
    return ids;
  },
  /** One invocation, with the hrtime (a clock every process here shares) at its arrival and its return. */
  timed: async ({ via, invocation }: { via: Via; invocation: Invocation }) => {
    const arrived = process.hrtime.bigint();
    const measured = await run(via, [invocation]);
    return { ...measured, arrived: String(arrived), returned: String(process.hrtime.bigint()) };
  },
  postCost: (args: { managementEndpoint: string; connectionId: string; times: number }) => measurePostCost({ root, ...args }),
  gc: () => (globalThis as { gc?: () => void }).gc?.(),
});
