/**
 * Reading a header from an API Gateway WebSocket event
 * (lambda/runtime/events.ts): names match in any case; the multi-value form
 * is preferred and holds every value, so the single-value form (which API
 * Gateway sends beside it) adds no duplicates; either form alone works, and
 * a header listed without a value has none.
 */
import { describe, expect, it } from 'vitest';
import { headerValues, type WebSocketEvent } from '../../../lambda/runtime/events.js';

const requestContext = { routeKey: '$connect', connectionId: 'c1' };
const event = (fields: Omit<WebSocketEvent, 'requestContext'>): WebSocketEvent => ({ requestContext, ...fields });

describe('headerValues', () => {
  it('takes every value of the multi-value form, in the case the client sent, and nothing from the single-value copy', () => {
    const both = event({
      multiValueHeaders: { Host: ['abc.example'], 'Sec-WebSocket-Protocol': ['protoo', 'chat'] },
      headers: { Host: 'abc.example', 'Sec-WebSocket-Protocol': 'chat' },
    });
    expect(headerValues(both, 'sec-websocket-protocol')).toEqual(['protoo', 'chat']);
    expect(headerValues(both, 'SEC-WEBSOCKET-PROTOCOL')).toEqual(['protoo', 'chat']);
  });

  it('reads the single-value form when that is all there is, whatever its case', () => {
    const single = event({ headers: { Host: 'abc.example', 'sec-WebSocket-protocol': 'protoo, chat' } });
    expect(headerValues(single, 'Sec-WebSocket-Protocol')).toEqual(['protoo, chat']);
  });

  it('finds no value for a header that is absent or listed without one', () => {
    expect(headerValues(event({ headers: { Host: 'abc.example' }, multiValueHeaders: { Host: ['abc.example'] } }), 'sec-websocket-protocol')).toEqual([]);
    expect(headerValues(event({ headers: { 'Sec-WebSocket-Protocol': undefined }, multiValueHeaders: { 'Sec-WebSocket-Protocol': undefined } }), 'sec-websocket-protocol')).toEqual([]);
    expect(headerValues(event({ headers: null, multiValueHeaders: null }), 'sec-websocket-protocol')).toEqual([]);
  });
});
