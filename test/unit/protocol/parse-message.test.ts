import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../lambda/protocol/parse-message.js';

describe('parseMessage (protoo 4.x wire format)', () => {
  it('reads a request and defaults data to {}', () => {
    expect(parseMessage('{"request":true,"id":123,"method":"join"}')).toEqual({ kind: 'request', message: { request: true, id: 123, method: 'join', data: {} } });
  });

  it('reads a success response', () => {
    expect(parseMessage('{"response":true,"id":1,"ok":true,"data":{"a":1}}')).toEqual({ kind: 'response', message: { response: true, id: 1, ok: true, data: { a: 1 } } });
  });

  it('reads an error response with or without ok:false', () => {
    const expected = { kind: 'response', message: { response: true, id: 1, ok: false, errorCode: 403, errorReason: 'no' } };
    expect(parseMessage('{"response":true,"id":1,"ok":false,"errorCode":403,"errorReason":"no"}')).toEqual(expected);
    expect(parseMessage('{"response":true,"id":1,"errorCode":403,"errorReason":"no"}')).toEqual(expected);
  });

  it.each([
    ['reject()', '{"response":true,"id":1,"ok":false}', 500, 'request rejected'],
    ["reject('busy')", '{"response":true,"id":1,"ok":false,"errorCode":"busy"}', 500, 'busy'],
    ['a bare response', '{"response":true,"id":1}', 500, 'request rejected'],
    ['a string code with a reason', '{"response":true,"id":1,"ok":false,"errorCode":"E","errorReason":"why"}', 500, 'why'],
    ['a non-string reason', '{"response":true,"id":1,"ok":false,"errorCode":409,"errorReason":{"x":1}}', 409, 'request rejected'],
  ])('turns what protoo-client sends for %s into an error with a numeric code', (_name, body, errorCode, errorReason) => {
    expect(parseMessage(body)).toEqual({ kind: 'response', message: { response: true, id: 1, ok: false, errorCode, errorReason } });
  });

  it.each([
    ['a string', '"str"', 'str'],
    ['an array', '[1,2]', [1, 2]],
    ['null', 'null', {}],
  ])('passes success data that is %s through as sent', (_name, json, data) => {
    expect(parseMessage(`{"response":true,"id":2,"ok":true,"data":${json}}`)).toEqual({ kind: 'response', message: { response: true, id: 2, ok: true, data } });
  });

  it('reads a notification', () => {
    expect(parseMessage('{"notification":true,"method":"hi"}')).toEqual({ kind: 'notification', message: { notification: true, method: 'hi', data: {} } });
  });

  it.each(['null', '[]', '1', 'true', '"s"', '{', '', '{"request":true,"id":null,"method":"m"}', '{"request":true,"id":"1","method":"m"}', '{"response":true,"ok":true}', '{"notification":true,"method":""}'])(
    'calls %s junk',
    (body) => {
      expect(parseMessage(body).kind).toBe('junk');
    },
  );

  it('keeps a usable id when method or data is wrong, so it can be answered', () => {
    expect(parseMessage('{"request":true,"id":8,"method":7}')).toMatchObject({ kind: 'invalid-request', id: 8 });
    expect(parseMessage('{"request":true,"id":8,"method":"m","data":[1]}')).toMatchObject({ kind: 'invalid-request', id: 8 });
  });

  it('drops __proto__ keys at every depth', () => {
    const parsed = parseMessage('{"request":true,"id":1,"method":"m","data":{"__proto__":{"x":1},"deep":{"__proto__":{"y":2}}}}');
    expect(parsed).toEqual({ kind: 'request', message: { request: true, id: 1, method: 'm', data: { deep: {} } } });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('returns junk for a null or missing body', () => {
    expect(parseMessage(undefined).kind).toBe('junk');
    expect(parseMessage(null).kind).toBe('junk');
  });
});
