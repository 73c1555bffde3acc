/**
 * `stack.settled()`: what tests wait on instead of a fixed sleep. It
 * resolves only once every handler run has returned — including runs a
 * handler's own posts set off — and the stack has been quiet for a moment;
 * and at once when nothing is going on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';
import { connect, recorder } from './helpers.js';

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('stack.settled()', () => {
  it('waits for slow handler runs, and for the client replies they set off', async () => {
    let finished = 0;
    const rec = recorder({
      message: async (event) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        finished++;
        return { statusCode: 200, body: event.body };
      },
    });
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none', routeResponses: true });
    const client = await connect(stack.url);
    // The client echoes the first reply once: a second run the first one caused.
    client.ws.once('message', () => client.ws.send('second'));
    client.ws.send('first');
    await rec.waitFor((event) => event.body === 'first');
    const started = Date.now();
    await stack.settled();
    expect(finished).toBe(2);
    expect(rec.events.filter((event) => event.requestContext.routeKey === '$default').map((event) => event.body)).toEqual(['first', 'second']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    client.ws.close();
  });

  it('resolves within its quiet window when nothing is going on', async () => {
    stack = await startLocalStack({ handlers: recorder().handlers, dynamodb: 'none' });
    await stack.settled();
    const started = Date.now();
    await stack.settled(50);
    expect(Date.now() - started).toBeLessThan(500);
  });
});
