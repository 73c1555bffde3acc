/**
 * Client data through the real store on both engines: what DynamoDB can
 * hold round-trips intact (constructor keys included), what it cannot is
 * refused with UnstorableDataError before anything is written — also where
 * dynalite itself would have accepted it and AWS would not. Through the
 * runtime's own client (table-clients.ts: the low-level client, marshalled
 * once) and through an injected DocumentClient without marshall options.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, findJava, startEngine, type RunningEngine } from '../../local/dynamodb-engines.js';
import { peerKey } from '../../lambda/store/keys.js';
import { MAX_ITEM_NESTING, UnstorableDataError } from '../../lambda/store/storable.js';
import { StateStore } from '../../lambda/store/state-store.js';
import { documentTableClient, marshallingTableClient } from '../../lambda/store/table-clients.js';

const aws = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const hasJava = !('missing' in findJava());
if (!hasJava && !process.env.CI) console.warn('*** storable-data: no Java 17+, checking on dynalite only ***');
const engines = ['dynalite', ...(hasJava || process.env.CI ? ['dynamodb-local' as const] : [])] as const;
const clients = ["the runtime's client", 'a DocumentClient'] as const;
const cases = engines.flatMap((kind) => clients.map((client) => [kind, client] as const));

/** `levels` nested maps: nest(1) is {a: 1}, nest(2) is {a: {a: 1}}. */
function nest(levels: number, leaf: unknown = 1): Record<string, unknown> {
  let value: unknown = leaf;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value as Record<string, unknown>;
}

describe.each(cases)('storable data on %s, through %s', (kind, client) => {
  let engine: RunningEngine;
  let documentClient: DynamoDBDocumentClient;
  let store: StateStore;
  const tableName = `storable-${process.pid}`;
  let rooms = 0;
  const identity = (peerId = 'p') => ({ connectionId: `c-${peerId}`, roomId: `room-${++rooms}`, peerId });

  beforeAll(async () => {
    engine = await startEngine({ kind }, '127.0.0.1', aws);
    await ensureTable(engine.endpoint, tableName, aws);
    // No marshall options at all: the store must not depend on them.
    documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: engine.endpoint, ...aws, maxAttempts: 1 }));
    const runtimeClient = marshallingTableClient(new DynamoDBClient({ endpoint: engine.endpoint, ...aws, maxAttempts: 1, cacheMiddleware: true }));
    store = new StateStore(client === 'a DocumentClient' ? documentTableClient(documentClient) : runtimeClient, tableName);
  }, 90_000);
  afterAll(async () => {
    documentClient?.destroy();
    await engine?.stop();
  });

  const constructorKeys = {
    constructor: 'x',
    nested: { constructor: { name: 'String' }, n: 1 },
    asSet: { constructor: { name: 'Set' } },
    asNumber: [{ constructor: { name: 'Number', valueOf: 3 } }],
    asBuffer: { constructor: { name: 'Buffer', length: 2 } },
    plain: { constructor: null },
  };

  it('keeps constructor keys and their values intact in peer data, updates and request contexts', async () => {
    const who = identity();
    await store.bindPeer(who, constructorKeys);
    expect((await store.getPeer(who.roomId, who.peerId))!.data).toEqual(constructorKeys);

    const updated = { info: constructorKeys, joined: true };
    await store.updatePeerData(who, 0, updated);
    expect((await store.getPeer(who.roomId, who.peerId))!.data).toEqual(updated);
    expect((await store.listPeers(who.roomId))[0].data).toEqual(updated);

    await store.putPendingRequest({ roomId: who.roomId, targetConnectionId: who.connectionId, requestId: 7, method: 'm', state: constructorKeys });
    expect((await store.takePendingRequest(who.roomId, who.connectionId, 7))!.state).toEqual(constructorKeys);
  });

  it.each([
    ['1e200', 1e200],
    ['2**53', 2 ** 53],
    ['-(2**53)', -(2 ** 53)],
    ['1e-200', 1e-200],
    ['5e-324', 5e-324],
  ])('refuses the number %s before writing anything', async (_name, n) => {
    const who = identity();
    await expect(store.bindPeer(who, { n })).rejects.toThrow(UnstorableDataError);
    expect(await store.getPeer(who.roomId, who.peerId)).toBeUndefined();

    await store.bindPeer(who, { ok: 1 });
    await expect(store.updatePeerData(who, 0, { info: { deep: [n] } })).rejects.toThrow(/data\.info\.deep\[0\]/);
    expect(await store.getPeer(who.roomId, who.peerId)).toMatchObject({ data: { ok: 1 }, version: 0 });
  });

  it('stores the numbers at the edges of what DynamoDB holds', async () => {
    const who = identity();
    const edges = { max: Number.MAX_SAFE_INTEGER, min: -Number.MAX_SAFE_INTEGER, tiny: 1e-130, negTiny: -1e-130, frac: 0.1, small: 1e-7, zero: 0 };
    await store.bindPeer(who, edges);
    expect((await store.getPeer(who.roomId, who.peerId))!.data).toEqual(edges);
  });

  it(`stores data nested to DynamoDB's ${MAX_ITEM_NESTING} levels counted from the item, and refuses one more`, async () => {
    // The item is level 1 and the `data` map level 2: 31 nested maps in all.
    const deepest = nest(MAX_ITEM_NESTING - 1);
    const who = identity();
    await store.bindPeer(who, deepest);
    expect((await store.getPeer(who.roomId, who.peerId))!.data).toEqual(deepest);

    const tooDeep = identity();
    await expect(store.bindPeer(tooDeep, nest(MAX_ITEM_NESTING))).rejects.toThrow(/nested deeper than DynamoDB's 32 levels/);
    expect(await store.getPeer(tooDeep.roomId, tooDeep.peerId)).toBeUndefined();
    // Lists count like maps.
    await expect(store.bindPeer(tooDeep, { l: JSON.parse('['.repeat(MAX_ITEM_NESTING - 1) + ']'.repeat(MAX_ITEM_NESTING - 1)) })).rejects.toThrow(
      UnstorableDataError,
    );
  });

  it('refuses empty keys and values that are not JSON, writing nothing', async () => {
    const who = identity();
    for (const data of [{ '': 1 }, { a: { '': 1 } }, { at: new Date(0) }, { n: 1n }, { s: new Set([1]) }, { x: Infinity }]) {
      await expect(store.bindPeer(who, data as Record<string, unknown>)).rejects.toThrow(UnstorableDataError);
    }
    expect(await store.getPeer(who.roomId, who.peerId)).toBeUndefined();
  });

  it('stores undefined as JSON would: left out of objects, null in arrays', async () => {
    const who = identity();
    // eslint-disable-next-line no-sparse-arrays
    await store.bindPeer(who, { gone: undefined, list: [1, undefined, , 2] });
    expect((await store.getPeer(who.roomId, who.peerId))!.data).toEqual({ list: [1, null, null, 2] });
  });

  // Calibration: without the check, what does the engine itself do with one level too many?
  it(`the engine itself ${kind === 'dynalite' ? 'accepts' : 'refuses'} one level more than the check allows`, async () => {
    const raw = new PutCommand({ TableName: tableName, Item: { ...peerKey('raw', 'p'), data: nest(MAX_ITEM_NESTING) } });
    if (kind === 'dynalite') await expect(documentClient.send(raw)).resolves.toBeDefined();
    else await expect(documentClient.send(raw)).rejects.toThrow(/Nesting Levels have exceeded supported limits/);
  });
});
