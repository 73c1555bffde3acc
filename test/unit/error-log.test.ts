import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lambda/log.js';

// The id a client gets for an internal error must lead to everything about it.
describe('structured logs of errors', () => {
  it('keep the stack and what the AWS SDK attaches', () => {
    const lines: string[] = [];
    const error = new ProvisionedThroughputExceededException({ $metadata: { httpStatusCode: 400, requestId: 'REQ1', attempts: 3 }, message: 'slow down' });
    createLogger('error', (line) => lines.push(line)).error('request failed', { errorId: 'abc', error });
    const logged = JSON.parse(lines[0]);
    expect(logged).toMatchObject({
      errorId: 'abc',
      error: { name: 'ProvisionedThroughputExceededException', message: 'slow down', $fault: 'client', $metadata: { requestId: 'REQ1', attempts: 3 } },
    });
    expect(logged.error.stack).toContain('error-log.test.ts');
  });

  it('keep a network error’s code and an error’s cause', () => {
    const lines: string[] = [];
    const error = new Error('post failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
    createLogger('error', (line) => lines.push(line)).error('x', { error });
    expect(JSON.parse(lines[0]).error).toMatchObject({ message: 'post failed', cause: { message: 'socket hang up', code: 'ECONNRESET' } });
  });
});
