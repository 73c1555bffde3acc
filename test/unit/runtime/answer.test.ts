/**
 * Answering a request whose handling failed outside the app
 * (lambda/runtime/answer.ts) is best-effort: when that answer cannot be
 * posted either, the handler still returns normally and the log says which
 * request went unanswered, with the id of the error that failed it.
 */
import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { App } from '../../../lambda/app/types.js';
import { connectionKey } from '../../../lambda/store/keys.js';
import { createHarness, messageEvent } from '../support/harness.js';

const app: App = { onRequest: (_request, { accept }) => accept() };

describe('a failed request whose error answer cannot be posted either', () => {
  it('is logged with the connection, the request id and the error id, and the handler still returns', async () => {
    const h = createHarness(app);
    h.dynamo.on(GetCommand, { Key: connectionKey('c1') }).rejects(new ProvisionedThroughputExceededException({ $metadata: { httpStatusCode: 400 }, message: 'Rate of requests exceeds the allowed throughput' }));
    h.api.on(PostToConnectionCommand).rejects(Object.assign(new Error('Forbidden'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } }));

    expect(await h.handlers.message(messageEvent('c1', { request: true, id: 8, method: 'get', data: {} }))).toEqual({ statusCode: 200 });

    const failed = h.logs.find((line) => line.level === 'error' && line.message === 'message');
    expect(failed?.errorId).toMatch(/^[0-9a-f]{12}$/);
    expect(h.logs).toContainEqual(
      expect.objectContaining({ level: 'warn', message: 'could not answer a failed request', connectionId: 'c1', requestId: 8, errorId: failed?.errorId }),
    );
  });
});
