/**
 * Per message, in the handler process: the AWS calls it makes (counted on
 * the wire by the loopback services), the request units DynamoDB bills for
 * them, the handler's CPU time with real SDK clients and with the in-memory
 * fakes, and its wall time with AWS-like latencies injected (for the cost
 * model). Each runtime under test builds the same room of 10; the rounds
 * alternate runtimes (rotating the order) and each figure is the median
 * round's per-message value.
 */
import type { Counts } from './loopback-aws.js';
import type { Invocation, Measured } from './handler-process.js';
import type { RuntimeSide } from './runtime-side.js';
import { median } from './stats.js';

type Via = 'entry' | 'fake';

export interface HandlerOptions {
  roomSize: number;
  rounds: number;
  perRound: number;
  /** Latencies injected for the duration pass (ms per call). */
  dynamoLatencyMs: number;
  managementLatencyMs: number;
  log: (line: string) => void;
}

export interface OpFigures {
  op: string;
  /** Calls per message, e.g. { 'DynamoDB.Query': 1, 'ManagementApi.PostToConnection': 1 }. */
  calls: Record<string, number>;
  rru: number;
  wru: number;
  /** Median µs of handler CPU per message, real SDK clients against loopback services. */
  cpuUs: number;
  wallUs: number;
  /** The same with the in-memory fakes (read-mostly messages only). */
  fakeCpuUs?: number;
  /** Wall ms per message with the injected latencies. */
  latencyWallMs?: number;
  /** PostToConnection calls per message: the API Gateway messages it sends. */
  posts: number;
}

export type HandlerReport = Record<string, OpFigures[]>;

const ROOM = 'room10';

interface Op {
  name: string;
  fakes: boolean;
  /** Runs the message `times` times for one runtime; returns the summed measurement. */
  run(side: RuntimeSide, via: Via, times: number): Promise<Measured>;
}

const sum = (parts: Measured[]): Measured => ({
  times: parts.reduce((n, p) => n + p.times, 0),
  cpuUs: parts.reduce((n, p) => n + p.cpuUs, 0),
  wallUs: parts.reduce((n, p) => n + p.wallUs, 0),
});

function message(method: string, data?: object): Invocation {
  return { route: 'message', i: 0, body: { request: true, id: 7, method, ...(data ? { data } : {}) } };
}

function ops(roomSize: number): Op[] {
  const repeat = (name: string, invocation: Invocation, fakes = true): Op => ({
    name,
    fakes,
    run: (side, via, times) => side.handler.call<Measured>('repeat', { via, invocation, times }),
  });
  return [
    repeat(`getPeers (room of ${roomSize})`, message('getPeers')),
    repeat('peerNotify to one peer', message('peerNotify', { peerId: 'p1', method: 'chat', data: { text: 'hi' } })),
    repeat(`peerNotify to all (${roomSize - 1} others)`, message('peerNotify', { method: 'chat', data: { text: 'hi' } })),
    repeat('peerRequest (relayed to the target)', message('peerRequest', { peerId: 'p1', method: 'offer', data: { sdp: 'v=0' } })),
    {
      // The target's answers to the requests the previous step relayed to it.
      name: "the target's answer (relayed back)",
      fakes: true,
      async run(side, via) {
        const ids = await (via === 'fake' ? side.handler.call<number[]>('fakeTakeRequestIds', 'c1') : side.services.call<number[]>('takeRequestIds', 'c1'));
        const invocations = ids.map((id): Invocation => ({ route: 'message', i: 1, body: { response: true, id, ok: true, data: { sdp: 'v=0' } } }));
        return side.handler.call<Measured>('run', { via, invocations });
      },
    },
    repeat('junk frame (answered 400-style, nothing stored)', { route: 'message', i: 0, body: [1, 2, 3] }, false),
  ];
}

async function countedRun(side: RuntimeSide, run: () => Promise<Measured>): Promise<{ measured: Measured; counts: Counts }> {
  await side.services.call('reset');
  const measured = await run();
  return { measured, counts: await side.services.call<Counts>('counts') };
}

function figures(op: string, measured: Measured, counts: Counts): OpFigures {
  const per = (n: number) => (measured.times ? n / measured.times : 0);
  const calls = Object.fromEntries(Object.entries(counts.calls).map(([key, n]) => [key, per(n)]));
  return {
    op,
    calls,
    rru: per(counts.rru),
    wru: per(counts.wru),
    cpuUs: per(measured.cpuUs),
    wallUs: per(measured.wallUs),
    posts: calls['ManagementApi.PostToConnection'] ?? 0,
  };
}

const rotate = <T>(items: T[], by: number) => items.map((_, i) => items[(i + by) % items.length]);

export async function handlerBench(sides: RuntimeSide[], options: HandlerOptions): Promise<HandlerReport> {
  const report: HandlerReport = Object.fromEntries(sides.map((side) => [side.label, [] as OpFigures[]]));
  const { roomSize } = options;

  // The room, through the deployed entry point: $connect and join measured on the way.
  for (const side of sides) {
    const connects = await countedRun(side, () =>
      side.handler.call<Measured>('run', { via: 'entry', invocations: Array.from({ length: roomSize }, (_, i): Invocation => ({ route: 'connect', i, room: ROOM })) }),
    );
    report[side.label].push(figures('$connect', connects.measured, connects.counts));
    const joins = await countedRun(side, () =>
      side.handler.call<Measured>('run', {
        via: 'entry',
        invocations: Array.from({ length: roomSize }, (_, i): Invocation => ({ route: 'message', i, body: { request: true, id: 1, method: 'join', data: { data: { n: `p${i}` } } } })),
      }),
    );
    report[side.label].push(figures(`join (room growing to ${roomSize})`, joins.measured, joins.counts));
    await side.handler.call('useFakes', { items: await side.services.call('scan') });
  }

  const list = ops(roomSize);
  for (const via of ['entry', 'fake'] as const) {
    const samples = new Map<string, { cpu: number[]; wall: number[] }>();
    // Round 0 warms up (and counts the calls); the rounds after it are measured.
    for (let round = 0; round <= options.rounds; round++) {
      for (const side of rotate(sides, round)) {
        for (const op of list) {
          if (via === 'fake' && !op.fakes) continue;
          const times = round === 0 ? Math.max(5, Math.ceil(options.perRound / 4)) : options.perRound;
          if (round === 0 && via === 'entry') {
            const { measured, counts } = await countedRun(side, () => op.run(side, via, times));
            report[side.label].push(figures(op.name, measured, counts));
            continue;
          }
          if (round === 0) {
            await op.run(side, via, times);
            continue;
          }
          const measured = await op.run(side, via, times);
          const key = `${side.label}|${op.name}`;
          const entry = samples.get(key) ?? { cpu: [], wall: [] };
          samples.set(key, entry);
          entry.cpu.push(measured.cpuUs / measured.times);
          entry.wall.push(measured.wallUs / measured.times);
        }
      }
    }
    for (const side of sides) {
      for (const row of report[side.label]) {
        const entry = samples.get(`${side.label}|${row.op}`);
        if (!entry) continue;
        if (via === 'entry') {
          row.cpuUs = median(entry.cpu);
          row.wallUs = median(entry.wall);
        } else row.fakeCpuUs = median(entry.cpu);
      }
    }
    options.log(`  handler CPU per message (${via === 'entry' ? 'real SDK clients' : 'in-memory fakes'}) measured`);
  }

  // Wall time with AWS-like latency, for the cost model: a few of each message.
  for (const side of sides) {
    await side.services.call('latency', { dynamoMs: options.dynamoLatencyMs, managementMs: options.managementLatencyMs });
    for (const op of list) {
      const measured = await op.run(side, 'entry', 3);
      const row = report[side.label].find((r) => r.op === op.name)!;
      row.latencyWallMs = measured.wallUs / measured.times / 1000;
    }
    // A peer that comes, joins and goes, in a room of its own.
    const session = (i: number): Invocation[] => [
      { route: 'connect', i, room: `latency${i}` },
      { route: 'message', i, body: { request: true, id: 1, method: 'join', data: { data: { n: 'x' } } } },
      { route: 'disconnect', i },
    ];
    const timings: Measured[][] = [[], [], []];
    for (const i of [900, 901, 902]) {
      for (const [k, invocation] of session(i).entries()) timings[k].push(await side.handler.call<Measured>('run', { via: 'entry', invocations: [invocation] }));
    }
    await side.services.call('latency', {});
    const connectRow = report[side.label].find((r) => r.op === '$connect')!;
    const joinRow = report[side.label].find((r) => r.op.startsWith('join'))!;
    connectRow.latencyWallMs = sum(timings[0]).wallUs / 3 / 1000;
    joinRow.latencyWallMs = sum(timings[1]).wallUs / 3 / 1000;

    // $disconnect of joined peers of the room of 10 (it tells the others: peerClosed).
    const leaving = [roomSize - 1, roomSize - 2, roomSize - 3];
    const { measured, counts } = await countedRun(side, () =>
      side.handler.call<Measured>('run', { via: 'entry', invocations: leaving.map((i): Invocation => ({ route: 'disconnect', i })) }),
    );
    const row = figures(`$disconnect of a joined peer (room of ~${roomSize})`, measured, counts);
    row.latencyWallMs = sum(timings[2]).wallUs / 3 / 1000;
    report[side.label].push(row);
  }
  return report;
}

export interface FanOutFigures {
  recipients: number;
  latencyMs: number;
  /** Median ms from the request's arrival until the last post was answered. */
  deliveredMs: number;
  /** Median ms until the handler returned. */
  handlerMs: number;
  posts: number;
  runs: number[];
}

/**
 * A broadcast to `recipients` peers with `latencyMs` added to every
 * Management API call: from the request's arrival in the handler until the
 * last post is answered (delivered), on the clock every process shares.
 */
export async function fanOutWithLatency(sides: RuntimeSide[], options: { recipients: number; latencyMs: number; rounds: number; log: (line: string) => void }): Promise<Record<string, FanOutFigures>> {
  const first = 10_000;
  const sender: Invocation = { route: 'message', i: first, body: { request: true, id: 9, method: 'peerNotify', data: { method: 'chat', data: { text: 'hi' } } } };
  const results: Record<string, { delivered: number[]; handler: number[]; posts: number }> = {};
  for (const side of sides) {
    const built = await side.handler.call<{ ms: number }>('buildRoomInMemory', { room: 'fanout', from: first, to: first + options.recipients + 1 });
    options.log(`  ${side.label}: room of ${options.recipients + 1} built in ${(built.ms / 1000).toFixed(1)} s`);
    // Warm the sender's identity and the clients' sockets.
    await side.handler.call('run', { via: 'entry', invocations: [sender] });
    results[side.label] = { delivered: [], handler: [], posts: 0 };
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const side of rotate(sides, round)) {
      await side.services.call('latency', { managementMs: options.latencyMs });
      await side.services.call('reset');
      const timed = await side.handler.call<{ arrived: string; returned: string }>('timed', { via: 'entry', invocation: sender });
      const deliveries = await side.services.call<{ posts: number; lastAnswered?: string }>('deliveries');
      await side.services.call('latency', {});
      const result = results[side.label];
      result.delivered.push(Number(BigInt(deliveries.lastAnswered ?? timed.returned) - BigInt(timed.arrived)) / 1e6);
      result.handler.push(Number(BigInt(timed.returned) - BigInt(timed.arrived)) / 1e6);
      result.posts = deliveries.posts;
    }
  }
  return Object.fromEntries(
    Object.entries(results).map(([label, r]) => [
      label,
      { recipients: options.recipients, latencyMs: options.latencyMs, deliveredMs: median(r.delivered), handlerMs: median(r.handler), posts: r.posts, runs: r.delivered },
    ]),
  );
}
