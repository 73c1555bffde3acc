/** The pure parts of `npm run client` (bin/client-cli.ts). */
import { describe, expect, it } from 'vitest';

import {
  UsageError,
  connectUrl,
  describeHandshakeFailure,
  formatEvent,
  parseArgs,
  parseCommand,
  parseJsonObject,
} from '../../../bin/client-cli.js';

const URL_ = 'wss://abc123.execute-api.us-east-1.amazonaws.com/dev';

function options(argv: string[]) {
  const parsed = parseArgs(argv);
  if (parsed.kind !== 'options') throw new Error('expected options');
  return parsed.options;
}

describe('parseArgs', () => {
  it('GIVEN url, room and peer THEN it returns them with the defaults', () => {
    expect(options([URL_, '--room', 'demo', '--peer', 'alice'])).toEqual({
      url: URL_,
      room: 'demo',
      peer: 'alice',
      data: {},
      query: [],
      manual: false,
      join: true,
      retries: 3,
    });
  });

  it('GIVEN short flags, --flag=value, --data, --token, --query, --manual, --no-join, --retries THEN all are read', () => {
    expect(
      options([
        '-r', 'room_1', '--peer=bob', '-d', '{"name":"Bob"}', '--token', 't0k',
        '--query', 'a=b=c', '--manual', '--no-join', '--retries', '0', URL_,
      ]),
    ).toEqual({
      url: URL_,
      room: 'room_1',
      peer: 'bob',
      data: { name: 'Bob' },
      query: [['token', 't0k'], ['a', 'b=c']],
      manual: true,
      join: false,
      retries: 0,
    });
  });

  it('GIVEN --help anywhere THEN it asks for the usage text', () => {
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseArgs([URL_, '-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [[], /URL is missing/],
    [['http://example.com', '--room', 'r', '--peer', 'p'], /wss:\/\/ or ws:\/\//],
    [[URL_, '--peer', 'p'], /--room is missing/],
    [[URL_, '--room', 'r'], /--peer is missing/],
    [[URL_, '--room', 'a b', '--peer', 'p'], /--room must match/],
    [[URL_, '--room', 'r', '--peer', 'x'.repeat(65)], /--peer must match/],
    [[URL_, '--room', 'r', '--peer', 'p', '--data', '[1]'], /--data must be a JSON object/],
    [[URL_, '--room', 'r', '--peer', 'p', '--data', '{oops'], /--data is not valid JSON/],
    [[URL_, '--room', 'r', '--peer', 'p', '--retries', '-1'], /--retries/],
    [[URL_, '--room', 'r', '--peer', 'p', '--query', 'novalue'], /key=value/],
    [[URL_, '--room', 'r', '--peer', 'p', '--bogus'], /unknown option --bogus/],
    [[URL_, URL_, '--room', 'r', '--peer', 'p'], /one URL only/],
    [[URL_, '--room'], /--room needs a value/],
  ])('GIVEN %j THEN a UsageError says what is wrong', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('connectUrl', () => {
  it('GIVEN a stage URL THEN roomId and peerId are appended as query parameters', () => {
    expect(connectUrl({ url: URL_, room: 'demo', peer: 'alice', query: [] })).toBe(`${URL_}?roomId=demo&peerId=alice`);
  });

  it('GIVEN a URL that already has a query, and extra parameters THEN all are kept and encoded', () => {
    const url = new URL(connectUrl({ url: 'ws://127.0.0.1:8080/local?x=1', room: 'r', peer: 'p', query: [['token', 'a b&c']] }));
    expect(url.pathname).toBe('/local');
    expect(Object.fromEntries(url.searchParams)).toEqual({ x: '1', roomId: 'r', peerId: 'p', token: 'a b&c' });
  });
});

describe('parseCommand', () => {
  it('GIVEN request/notify with a method and JSON THEN data is that object (spaces inside JSON kept)', () => {
    expect(parseCommand('request peerNotify {"method": "hi", "data": {"t": "a b"}}')).toEqual({
      kind: 'request',
      method: 'peerNotify',
      data: { method: 'hi', data: { t: 'a b' } },
    });
    expect(parseCommand('  notify chat   {"text":"x"}  ')).toEqual({ kind: 'notify', method: 'chat', data: { text: 'x' } });
    expect(parseCommand('req getPeers')).toEqual({ kind: 'request', method: 'getPeers', data: {} });
  });

  it('GIVEN the short commands THEN they are recognised', () => {
    expect(parseCommand('peers')).toEqual({ kind: 'peers' });
    expect(parseCommand('pending')).toEqual({ kind: 'pending' });
    expect(parseCommand('help')).toEqual({ kind: 'help' });
    expect(parseCommand('QUIT')).toEqual({ kind: 'quit' });
    expect(parseCommand('exit')).toEqual({ kind: 'quit' });
    expect(parseCommand('')).toEqual({ kind: 'none' });
    expect(parseCommand('   # a comment')).toEqual({ kind: 'none' });
  });

  it('GIVEN accept/reject THEN id, data, code and reason are read, with defaults', () => {
    expect(parseCommand('accept 7 {"ok":true}')).toEqual({ kind: 'accept', id: 7, data: { ok: true } });
    expect(parseCommand('accept 7')).toEqual({ kind: 'accept', id: 7, data: {} });
    expect(parseCommand('reject 7 486 busy here')).toEqual({ kind: 'reject', id: 7, code: 486, reason: 'busy here' });
    expect(parseCommand('reject 7 not now')).toEqual({ kind: 'reject', id: 7, code: 403, reason: 'not now' });
    expect(parseCommand('reject 7')).toEqual({ kind: 'reject', id: 7, code: 403, reason: 'rejected by user' });
  });

  it.each([
    ['request', /needs a method/],
    ['notify', /needs a method/],
    ['request m [1,2]', /must be a JSON object/],
    ['request m null', /must be a JSON object/],
    ['notify m {bad', /not valid JSON/],
    ['accept x', /request id must be a number/],
    ['reject', /request id must be a number/],
    ['reject 1 42', /100\.\.999/],
    ['dance', /unknown command "dance"/],
  ])('GIVEN %j THEN it is an error with a message, never a throw', (line, message) => {
    const command = parseCommand(line);
    expect(command.kind).toBe('error');
    expect(command.kind === 'error' && command.message).toMatch(message);
  });
});

describe('parseJsonObject', () => {
  it('GIVEN __proto__ in the JSON THEN it stays an own property and pollutes nothing', () => {
    const value = parseJsonObject('{"__proto__":{"polluted":true}}', 'data');
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('formatEvent', () => {
  it('GIVEN each kind of event THEN it prints one line', () => {
    expect(formatEvent({ kind: 'notification', method: 'newPeer', data: { id: 'a' } })).toBe('<- notification newPeer {"id":"a"}');
    expect(formatEvent({ kind: 'request', id: 3, method: 'ping', data: {}, answer: 'auto-accepted' })).toBe(
      '<- request #3 ping {} (auto-accepted)',
    );
    expect(formatEvent({ kind: 'request', id: 3, method: 'ping', data: {}, answer: 'pending' })).toContain('accept 3');
    expect(formatEvent({ kind: 'response', method: 'join', data: undefined })).toBe('<- response join ok {}');
    expect(formatEvent({ kind: 'error-response', method: 'x', code: 404, reason: 'unknown' })).toBe('<- response x error 404 unknown');
    for (const line of [formatEvent({ kind: 'notification', method: 'm', data: { s: 'a\nb' } })]) expect(line).not.toContain('\n');
  });
});

describe('describeHandshakeFailure', () => {
  it('GIVEN a refused handshake THEN the line shows the HTTP status and the body, on one line', () => {
    expect(describeHandshakeFailure({ kind: 'refused', status: 403, statusText: 'Forbidden', body: '{"message":"Forbidden"}\n' })).toBe(
      'handshake refused: HTTP 403 Forbidden: {"message":"Forbidden"}',
    );
    expect(describeHandshakeFailure({ kind: 'refused', status: 400, statusText: '', body: 'bad\r\nid' })).toBe('handshake refused: HTTP 400: bad id');
    expect(describeHandshakeFailure({ kind: 'refused', status: 502, statusText: 'Bad Gateway', body: '' })).toBe(
      'handshake refused: HTTP 502 Bad Gateway (no body)',
    );
  });

  it('GIVEN a huge body THEN it is cut short', () => {
    const line = describeHandshakeFailure({ kind: 'refused', status: 500, statusText: 'Internal Server Error', body: 'x'.repeat(100_000) });
    expect(line.length).toBeLessThan(600);
    expect(line.endsWith('…')).toBe(true);
  });

  it('GIVEN an upgrade without the protoo subprotocol THEN it says so and names the fix', () => {
    expect(describeHandshakeFailure({ kind: 'upgraded', protocol: undefined })).toMatch(
      /without selecting the "protoo" subprotocol \(Sec-WebSocket-Protocol: none\); its \$connect must return that header/,
    );
    expect(describeHandshakeFailure({ kind: 'upgraded', protocol: 'chat' })).toContain('Sec-WebSocket-Protocol: chat');
  });

  it('GIVEN a network error THEN its code and message are shown once', () => {
    expect(describeHandshakeFailure({ kind: 'network', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' })).toBe(
      'connect ECONNREFUSED 127.0.0.1:1',
    );
    expect(describeHandshakeFailure({ kind: 'network', code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: 'Hostname/IP does not match' })).toBe(
      'ERR_TLS_CERT_ALTNAME_INVALID: Hostname/IP does not match',
    );
  });

  it('GIVEN nothing observed THEN it says there is no detail rather than guessing', () => {
    expect(describeHandshakeFailure(undefined)).toBe('no detail available');
  });
});

describe('parseArgs: minting a join token', () => {
  it('--stack and --secret ask the client to mint the token itself', () => {
    const parsed = parseArgs(['wss://x.example/dev', '--room', 'r', '--peer', 'p', '--stack', 'MyStack']);
    expect(parsed).toMatchObject({ kind: 'options', options: { mint: { stack: 'MyStack' }, query: [] } });
    const local = parseArgs(['ws://127.0.0.1:8080', '--room', 'r', '--peer', 'p', '--secret', 's3cret']);
    expect(local).toMatchObject({ kind: 'options', options: { mint: { secret: 's3cret' } } });
    expect(parseArgs(['ws://127.0.0.1:8080', '--room', 'r', '--peer', 'p'])).not.toHaveProperty('options.mint');
  });

  it('refuses a --token together with --stack or --secret', () => {
    expect(() => parseArgs(['ws://h', '--room', 'r', '--peer', 'p', '--token', 't', '--secret', 's'])).toThrow(UsageError);
  });
});
