import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { rosterKey } from '../../lambda/store/keys.js';
import { StateStore } from '../../lambda/store/state-store.js';
import { useDynaliteTable } from '../support/dynalite-table.js';
import { peerStoreContract } from '../support/peer-store-contract.js';

// The real DynamoDB clients against embedded dynalite: conditional writes,
// ReturnValues and paging behave as the engine makes them, not as a mock says.
const table = useDynaliteTable();
let roomCounter = 0;
const newRoom = () => `room-${++roomCounter}`;
const storeAt = (nowMs: number = Date.now()) => new StateStore(table.tableClient, table.tableName, () => nowMs);


describe('the PeerStore contract, on DynamoDB (dynalite)', () => {
  peerStoreContract((nowMs) => storeAt(nowMs));
});

describe('DynamoDB specifics', () => {
  it('drops expired entries from the item at the next enrollment, keeping live ones', async () => {
    const writtenAt = Date.now();
    const roomId = newRoom();
    await storeAt(writtenAt - 3 * 3600_000).enroll({ connectionId: 'c-gone', roomId, peerId: 'gone' });
    await storeAt(writtenAt).enroll({ connectionId: 'c-live', roomId, peerId: 'live' });
    await storeAt(writtenAt).enroll({ connectionId: 'c-new', roomId, peerId: 'new' });
    const { Item } = await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: rosterKey(roomId) }));
    expect(Object.keys(Item!).filter((name) => name.startsWith('member:')).sort()).toEqual(['member:live', 'member:new']);
  });
});
