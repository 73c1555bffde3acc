/**
 * The edges of lambda/protocol/parse-message.ts: a response whose id is not a
 * number cannot be matched to a request (junk, not a response), and an error
 * response without a usable reason gets 'request rejected' — a numeric code is
 * not taken for the reason, nor is an empty string code.
 */
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../lambda/protocol/parse-message.js';

describe('a response from a client', () => {
  it('with a string id is junk: no pending request can be answered by it', () => {
    expect(parseMessage('{"response":true,"id":"1","ok":true,"data":{}}')).toEqual({ kind: 'junk', reason: 'response without a numeric id' });
  });

  it('with a numeric code and no reason is answered "request rejected" under that code', () => {
    expect(parseMessage('{"response":true,"id":1,"ok":false,"errorCode":503}')).toEqual({
      kind: 'response',
      message: { response: true, id: 1, ok: false, errorCode: 503, errorReason: 'request rejected' },
    });
  });

  it("from reject('') is answered 'request rejected', never an empty reason", () => {
    expect(parseMessage('{"response":true,"id":1,"ok":false,"errorCode":""}')).toEqual({
      kind: 'response',
      message: { response: true, id: 1, ok: false, errorCode: 500, errorReason: 'request rejected' },
    });
  });
});
