import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { AlreadyEnrolledError, RequestIdTakenError, StaleDataError, isConditionalCheckFailed } from './errors.js';
import { CONNECTION_STATE_TTL_SECONDS, PENDING_REQUEST_TTL_SECONDS, expiresAt, isExpired } from './expiry.js';
import {
  PEER_PREFIX,
  ROOM_STATE_PREFIX,
  ROSTER_MEMBER_PREFIX,
  ROSTER_SORT_KEY,
  connectionKey,
  peerKey,
  pendingRequestKey,
  pendingRequestPrefix,
  roomPartition,
  rosterKey,
} from './keys.js';
import type { ConnectionIdentity, PeerRecord, PendingRequestRecord, Roster } from './records.js';
import { TTL_ATTRIBUTE } from './table-schema.js';

type Item = Record<string, unknown>;

/**
 * Room, Peer, connection and pending-request state in one DynamoDB table.
 * Every write that could race with a newer connection is conditional on
 * the connectionId that owns the peer, so a late $disconnect or a Gone
 * cleanup can never remove a replacement. Reads of room state are strongly
 * consistent: two peers joining at once must see each other.
 */
export class StateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async putConnection(identity: ConnectionIdentity): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...connectionKey(identity.connectionId), ...identity, [TTL_ATTRIBUTE]: this.ttl(CONNECTION_STATE_TTL_SECONDS) },
      }),
    );
  }

  async getConnection(connectionId: string): Promise<ConnectionIdentity | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: connectionKey(connectionId), ConsistentRead: true }),
    );
    if (!Item || isExpired(Item, this.now())) return undefined;
    return { connectionId, roomId: String(Item.roomId), peerId: String(Item.peerId) };
  }

  async deleteConnection(connectionId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: connectionKey(connectionId) }));
  }

  /**
   * Binds peerId to this connection, whoever held it before. Returns the
   * previous binding when another live connection held it, so the caller
   * can close that connection: one peerId never has two owners.
   */
  async bindPeer(identity: ConnectionIdentity, data: Item = {}): Promise<PeerRecord | undefined> {
    const { roomId, peerId, connectionId } = identity;
    const { Attributes } = await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...peerKey(roomId, peerId),
          roomId,
          peerId,
          connectionId,
          data,
          version: 0,
          boundAt: this.now(),
          [TTL_ATTRIBUTE]: this.ttl(CONNECTION_STATE_TTL_SECONDS),
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (!Attributes || isExpired(Attributes, this.now()) || Attributes.connectionId === connectionId) return undefined;
    return toPeerRecord(Attributes);
  }

  async getPeer(roomId: string, peerId: string): Promise<PeerRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: peerKey(roomId, peerId), ConsistentRead: true }),
    );
    if (!Item || isExpired(Item, this.now())) return undefined;
    return toPeerRecord(Item);
  }

  /** Every live peer of the room: one Query on the room's partition, paged. */
  async listPeers(roomId: string): Promise<PeerRecord[]> {
    const items = await this.queryPrefix(roomPartition(roomId), PEER_PREFIX);
    return items.map(toPeerRecord);
  }

  /** Every live peer and the roster, in the same single Query. */
  async listRoom(roomId: string): Promise<{ peers: PeerRecord[]; roster: Roster }> {
    const items = await this.queryPrefix(roomPartition(roomId), ROOM_STATE_PREFIX);
    const rosterItem = items.find((item) => item.sk === ROSTER_SORT_KEY);
    return {
      peers: items.filter((item) => String(item.sk).startsWith(PEER_PREFIX)).map(toPeerRecord),
      roster: rosterItem ? this.toRoster(rosterItem) : new Map(),
    };
  }

  /**
   * Puts the peer on the room's roster. Updates of one item are serialized
   * by DynamoDB, so the roster returned (everyone enrolled before, plus this
   * peer) gives every pair of peers a definite order: exactly one of the two
   * sees the other here, even when they enroll at the same moment.
   */
  async enroll(identity: ConnectionIdentity): Promise<Roster> {
    const ttl = this.ttl(CONNECTION_STATE_TTL_SECONDS);
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: rosterKey(identity.roomId),
          UpdateExpression: 'SET #member = :entry, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#member) OR #member.connectionId <> :connectionId',
          ExpressionAttributeNames: { '#member': `${ROSTER_MEMBER_PREFIX}${identity.peerId}`, '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':entry': { connectionId: identity.connectionId, expiresAt: ttl }, ':connectionId': identity.connectionId, ':ttl': ttl },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return this.toRoster(Attributes ?? {});
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new AlreadyEnrolledError(`peer ${identity.peerId} is already enrolled`);
      throw error;
    }
  }

  /**
   * Takes the peer off the roster if this connection enrolled it. Returns
   * the roster left behind (who should hear that it left), or undefined
   * when it was not enrolled by this connection.
   */
  async leaveRoster(identity: ConnectionIdentity): Promise<Roster | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: rosterKey(identity.roomId),
          UpdateExpression: 'REMOVE #member',
          ConditionExpression: '#member.connectionId = :connectionId',
          ExpressionAttributeNames: { '#member': `${ROSTER_MEMBER_PREFIX}${identity.peerId}` },
          ExpressionAttributeValues: { ':connectionId': identity.connectionId },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return this.toRoster(Attributes ?? {});
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  /**
   * Writes the peer's data only if this connection still owns the peer and
   * nobody wrote since `expectedVersion` was read. Returns the new version.
   */
  async updatePeerData(
    peer: Pick<PeerRecord, 'roomId' | 'peerId' | 'connectionId'>,
    expectedVersion: number,
    data: Item,
  ): Promise<number> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: peerKey(peer.roomId, peer.peerId),
          UpdateExpression: 'SET #data = :data, #version = #version + :one',
          ConditionExpression: '#connectionId = :connectionId AND #version = :expected AND #ttl > :now',
          ExpressionAttributeNames: { '#data': 'data', '#version': 'version', '#connectionId': 'connectionId', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':data': data,
            ':one': 1,
            ':connectionId': peer.connectionId,
            ':expected': expectedVersion,
            ':now': Math.floor(this.now() / 1000),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.version);
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new StaleDataError(`peer ${peer.peerId} was replaced, closed or changed since it was read`);
      }
      throw error;
    }
  }

  /**
   * Removes the peer only if this connection still owns it; returns the
   * removed record, or undefined when a newer connection owns the peer or
   * somebody else removed it first (so exactly one caller announces it).
   */
  async unbindPeer(identity: ConnectionIdentity): Promise<PeerRecord | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: peerKey(identity.roomId, identity.peerId),
          ConditionExpression: '#connectionId = :connectionId',
          ExpressionAttributeNames: { '#connectionId': 'connectionId' },
          ExpressionAttributeValues: { ':connectionId': identity.connectionId },
          ReturnValues: 'ALL_OLD',
        }),
      );
      // An expired binding is gone already: nobody is left to tell.
      return Attributes && !isExpired(Attributes, this.now()) ? toPeerRecord(Attributes) : undefined;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  /** Throws RequestIdTakenError rather than overwrite a live request with the same id. */
  async putPendingRequest(request: PendingRequestRecord): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...pendingRequestKey(request.roomId, request.targetConnectionId, request.requestId),
            ...request,
            [TTL_ATTRIBUTE]: this.ttl(PENDING_REQUEST_TTL_SECONDS),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':now': Math.floor(this.now() / 1000) },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new RequestIdTakenError(`request ${request.requestId} is already pending`);
      throw error;
    }
  }

  /** Deletes and returns the pending request: whoever takes it answers it, exactly once. */
  async takePendingRequest(roomId: string, targetConnectionId: string, requestId: number): Promise<PendingRequestRecord | undefined> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: pendingRequestKey(roomId, targetConnectionId, requestId),
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (!Attributes || isExpired(Attributes, this.now())) return undefined;
    return toPendingRequestRecord(Attributes);
  }

  async listPendingRequests(roomId: string, targetConnectionId: string): Promise<PendingRequestRecord[]> {
    const items = await this.queryPrefix(roomPartition(roomId), pendingRequestPrefix(targetConnectionId));
    return items.map(toPendingRequestRecord);
  }

  private async queryPrefix(pk: string, skPrefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let exclusiveStartKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
          ConsistentRead: true,
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      const now = this.now();
      for (const item of page.Items ?? []) if (!isExpired(item, now)) items.push(item);
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return items;
  }

  private toRoster(item: Item): Roster {
    const roster: Roster = new Map();
    const now = Math.floor(this.now() / 1000);
    for (const [name, value] of Object.entries(item)) {
      if (!name.startsWith(ROSTER_MEMBER_PREFIX)) continue;
      const entry = value as { connectionId?: unknown; expiresAt?: unknown };
      if (typeof entry.expiresAt === 'number' && entry.expiresAt <= now) continue;
      roster.set(name.slice(ROSTER_MEMBER_PREFIX.length), String(entry.connectionId));
    }
    return roster;
  }

  private ttl(seconds: number): number {
    return expiresAt(this.now(), seconds);
  }
}

function toPeerRecord(item: Item): PeerRecord {
  return {
    roomId: String(item.roomId),
    peerId: String(item.peerId),
    connectionId: String(item.connectionId),
    data: (item.data as Item | undefined) ?? {},
    version: Number(item.version ?? 0),
    boundAt: Number(item.boundAt ?? 0),
  };
}

function toPendingRequestRecord(item: Item): PendingRequestRecord {
  return {
    roomId: String(item.roomId),
    targetConnectionId: String(item.targetConnectionId),
    requestId: Number(item.requestId),
    method: String(item.method),
    context: (item.context as Item | undefined) ?? {},
  };
}
