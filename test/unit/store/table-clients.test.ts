/**
 * The runtime's table client at the AWS boundary: what it hands the
 * low-level DynamoDB client (marshalled once, undefined attributes left
 * out) and what it gives back (unmarshalled), on a mocked client.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { marshallingTableClient } from '../../../lambda/store/table-clients.js';

const dynamo = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const table = marshallingTableClient(client);

beforeEach(() => dynamo.reset());

describe('the marshalling table client', () => {
  it('writes an item marshalled once, undefined attributes left out, and gives the old item back as plain values', async () => {
    dynamo.on(PutItemCommand).resolves({ Attributes: { pk: { S: 'ROOM#r' }, data: { M: { info: { M: { n: { N: '7' } } } } } } });
    const { Attributes } = await table.put({
      TableName: 't',
      Item: { pk: 'ROOM#r', data: { info: { n: 7 }, gone: undefined }, tags: ['a', 1] },
      ConditionExpression: '#c = :c',
      ExpressionAttributeNames: { '#c': 'connectionId' },
      ExpressionAttributeValues: { ':c': 'c1' },
      ReturnValues: 'ALL_OLD',
    });
    expect(dynamo.commandCalls(PutItemCommand)[0].args[0].input).toEqual({
      TableName: 't',
      Item: { pk: { S: 'ROOM#r' }, data: { M: { info: { M: { n: { N: '7' } } } } }, tags: { L: [{ S: 'a' }, { N: '1' }] } },
      ConditionExpression: '#c = :c',
      ExpressionAttributeNames: { '#c': 'connectionId' },
      ExpressionAttributeValues: { ':c': { S: 'c1' } },
      ReturnValues: 'ALL_OLD',
    });
    expect(Attributes).toEqual({ pk: 'ROOM#r', data: { info: { n: 7 } } });
  });

  it('reads, updates and deletes by a marshalled key, and unmarshals what comes back (or leaves it absent)', async () => {
    dynamo.on(GetItemCommand).resolves({ Item: { pk: { S: 'CONN#c' }, n: { N: '2' } } });
    dynamo.on(UpdateItemCommand).resolves({ Attributes: { version: { N: '3' } } });
    dynamo.on(DeleteItemCommand).resolves({});
    const key = { pk: 'CONN#c', sk: 'CONN' };
    const marshalledKey = { pk: { S: 'CONN#c' }, sk: { S: 'CONN' } };

    expect((await table.get({ TableName: 't', Key: key, ConsistentRead: true })).Item).toEqual({ pk: 'CONN#c', n: 2 });
    const updated = await table.update({ TableName: 't', Key: key, UpdateExpression: 'SET #v = #v + :one', ExpressionAttributeValues: { ':one': 1 }, ReturnValues: 'UPDATED_NEW' });
    expect(updated.Attributes).toEqual({ version: 3 });
    expect((await table.delete({ TableName: 't', Key: key })).Attributes).toBeUndefined();

    expect(dynamo.commandCalls(GetItemCommand)[0].args[0].input).toEqual({ TableName: 't', Key: marshalledKey, ConsistentRead: true });
    expect(dynamo.commandCalls(UpdateItemCommand)[0].args[0].input).toMatchObject({ Key: marshalledKey, ExpressionAttributeValues: { ':one': { N: '1' } } });
    expect(dynamo.commandCalls(DeleteItemCommand)[0].args[0].input).toMatchObject({ Key: marshalledKey });
  });

  it('pages a Query with the start key marshalled and the last evaluated key and items unmarshalled', async () => {
    dynamo.on(QueryCommand).resolves({
      Items: [{ pk: { S: 'ROOM#r' }, sk: { S: 'PEER#a' }, set: { SS: ['x'] } }],
      LastEvaluatedKey: { pk: { S: 'ROOM#r' }, sk: { S: 'PEER#a' } },
    });
    const page = await table.query({
      TableName: 't',
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'ROOM#r' },
      ExclusiveStartKey: { pk: 'ROOM#r', sk: 'PEER#0' },
    });
    expect(dynamo.commandCalls(QueryCommand)[0].args[0].input).toMatchObject({
      ExpressionAttributeValues: { ':pk': { S: 'ROOM#r' } },
      ExclusiveStartKey: { pk: { S: 'ROOM#r' }, sk: { S: 'PEER#0' } },
    });
    expect(page.Items).toEqual([{ pk: 'ROOM#r', sk: 'PEER#a', set: new Set(['x']) }]);
    expect(page.LastEvaluatedKey).toEqual({ pk: 'ROOM#r', sk: 'PEER#a' });
  });

  it("passes DynamoDB's errors through as they are (the store tells a failed condition by its name)", async () => {
    dynamo.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ $metadata: {}, message: 'The conditional request failed' }));
    await expect(table.put({ TableName: 't', Item: { pk: 'x' } })).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });
});
