/**
 * The pure parts of `npm run client`: argument parsing, URL building, command
 * parsing and output formatting. No I/O here, so it is unit-tested
 * (test/unit/bin/client-cli.test.ts); bin/client.ts does the I/O.
 */

export const USAGE = `Usage: npm run client -- <url> --room <roomId> --peer <peerId> [options]

  <url>                wss:// URL of the stack (the WebSocketUrl output) or ws://127.0.0.1:8080 (npm start)
  --room, -r <id>      room to join            ([A-Za-z0-9_.~-]{1,64})
  --peer, -p <id>      your peer id            ([A-Za-z0-9_.~-]{1,64})
  --data, -d <json>    your public peer data, sent with "join" (a JSON object)
  --token <t>          adds ?token=<t> (for a $connect authorizer)
  --stack <name>       mints a 1 h join token for --room/--peer from that stack's secret
                       (token mode; reads it with your AWS credentials)
  --secret <value>     mints the join token with this secret instead
                       (e.g. the development secret LOCAL_AUTH=token npm start prints)
  --query k=v          adds any other query parameter (repeatable)
  --manual             do not auto-accept incoming requests: answer them with accept/reject
  --no-join            connect only; send "join" yourself (request join {...})
  --retries <n>        connection attempts after the first (default 3)
  --help, -h           this text

Commands (stdin):
  request <method> [json]       send a request, print the response
  notify <method> [json]        send a notification
  peers                         request getPeers
  accept <id> [json]            accept a pending incoming request (--manual)
  reject <id> [code] [reason]   reject a pending incoming request (default 403)
  pending                       list pending incoming requests
  help                          this list
  quit                          close and exit`;

export const ID_PATTERN = /^[A-Za-z0-9_.~-]{1,64}$/;

export interface ClientOptions {
  url: string;
  room: string;
  peer: string;
  data: Record<string, unknown>;
  query: [string, string][];
  manual: boolean;
  join: boolean;
  retries: number;
  /** Mint a join token before connecting: from a stack's secret, or from a given secret. */
  mint?: { stack?: string; secret?: string };
}

export type ParsedArgs = { kind: 'help' } | { kind: 'options'; options: ClientOptions };

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses `process.argv.slice(2)`. Throws UsageError with a message for the user. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  let url: string | undefined;
  let room: string | undefined;
  let peer: string | undefined;
  let data: Record<string, unknown> = {};
  const query: [string, string][] = [];
  let manual = false;
  let join = true;
  let retries = 3;
  let mint: ClientOptions['mint'];

  const args = [...argv];
  const value = (flag: string): string => {
    const next = args.shift();
    if (next === undefined) throw new UsageError(`${flag} needs a value`);
    return next;
  };

  while (args.length > 0) {
    let arg = args.shift()!;
    // --flag=value is the same as --flag value
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    if (eq > 0) {
      args.unshift(arg.slice(eq + 1));
      arg = arg.slice(0, eq);
    }
    switch (arg) {
      case '--help':
      case '-h':
        return { kind: 'help' };
      case '--room':
      case '-r':
        room = value(arg);
        break;
      case '--peer':
      case '-p':
        peer = value(arg);
        break;
      case '--data':
      case '-d':
        data = parseJsonObject(value(arg), '--data');
        break;
      case '--token':
        query.push(['token', value(arg)]);
        break;
      case '--stack':
        mint = { ...mint, stack: value(arg) };
        break;
      case '--secret':
        mint = { ...mint, secret: value(arg) };
        break;
      case '--query': {
        const pair = value(arg);
        const at = pair.indexOf('=');
        if (at <= 0) throw new UsageError(`--query wants key=value, got ${JSON.stringify(pair)}`);
        query.push([pair.slice(0, at), pair.slice(at + 1)]);
        break;
      }
      case '--manual':
        manual = true;
        break;
      case '--no-join':
        join = false;
        break;
      case '--retries': {
        const raw = value(arg);
        retries = Number(raw);
        if (!Number.isInteger(retries) || retries < 0) throw new UsageError(`--retries wants a whole number, got ${JSON.stringify(raw)}`);
        break;
      }
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
        if (url !== undefined) throw new UsageError(`one URL only (got ${url} and ${arg})`);
        url = arg;
    }
  }

  if (url === undefined) throw new UsageError('the URL is missing');
  if (!/^wss?:\/\//i.test(url)) throw new UsageError(`the URL must start with wss:// or ws://, got ${url}`);
  try {
    new URL(url);
  } catch {
    throw new UsageError(`not a URL: ${url}`);
  }
  if (room === undefined) throw new UsageError('--room is missing');
  if (peer === undefined) throw new UsageError('--peer is missing');
  if (!ID_PATTERN.test(room)) throw new UsageError(`--room must match ${ID_PATTERN.source}`);
  if (!ID_PATTERN.test(peer)) throw new UsageError(`--peer must match ${ID_PATTERN.source}`);

  if (mint && query.some(([key]) => key === 'token')) throw new UsageError('--token and --stack/--secret both give the token: choose one');
  return { kind: 'options', options: { url, room, peer, data, query, manual, join, retries, ...(mint ? { mint } : {}) } };
}

/** The URL protoo-client connects to: the stack URL plus roomId, peerId and any extra query. */
export function connectUrl(options: Pick<ClientOptions, 'url' | 'room' | 'peer' | 'query'>): string {
  const url = new URL(options.url);
  url.searchParams.set('roomId', options.room);
  url.searchParams.set('peerId', options.peer);
  for (const [key, val] of options.query) url.searchParams.set(key, val);
  return url.toString();
}

export type Command =
  | { kind: 'none' }
  | { kind: 'request'; method: string; data: Record<string, unknown> }
  | { kind: 'notify'; method: string; data: Record<string, unknown> }
  | { kind: 'peers' }
  | { kind: 'accept'; id: number; data: Record<string, unknown> }
  | { kind: 'reject'; id: number; code: number; reason: string }
  | { kind: 'pending' }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'error'; message: string };

/** Parses one line of stdin. Never throws: bad input becomes { kind: 'error' }. */
export function parseCommand(line: string): Command {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return { kind: 'none' };
  const [word, rest] = splitFirst(trimmed);
  try {
    switch (word.toLowerCase()) {
      case 'request':
      case 'req':
      case 'notify':
      case 'notification': {
        const [method, json] = splitFirst(rest);
        if (method === '') return { kind: 'error', message: `${word} needs a method: ${word} <method> [json]` };
        const data = json === '' ? {} : parseJsonObject(json, 'data');
        return word.toLowerCase().startsWith('req') ? { kind: 'request', method, data } : { kind: 'notify', method, data };
      }
      case 'peers':
        return { kind: 'peers' };
      case 'accept': {
        const [id, json] = splitFirst(rest);
        return { kind: 'accept', id: parseId(id), data: json === '' ? {} : parseJsonObject(json, 'data') };
      }
      case 'reject': {
        const [id, afterId] = splitFirst(rest);
        const [codeText, reason] = splitFirst(afterId);
        let code = 403;
        let why = afterId;
        if (/^\d+$/.test(codeText)) {
          code = Number(codeText);
          why = reason;
        }
        if (code < 100 || code > 999) return { kind: 'error', message: `reject code must be 100..999, got ${code}` };
        return { kind: 'reject', id: parseId(id), code, reason: why === '' ? 'rejected by user' : why };
      }
      case 'pending':
        return { kind: 'pending' };
      case 'help':
      case '?':
        return { kind: 'help' };
      case 'quit':
      case 'exit':
      case 'q':
        return { kind: 'quit' };
      default:
        return { kind: 'error', message: `unknown command ${JSON.stringify(word)} (try help)` };
    }
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}

/** JSON text that must be an object (protoo's `data`). */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`${what} must be a JSON object, got ${text}`);
  }
  return value as Record<string, unknown>;
}

function parseId(text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`request id must be a number (see pending), got ${JSON.stringify(text)}`);
  return Number(text);
}

function splitFirst(text: string): [string, string] {
  const match = /^(\S*)\s*([\s\S]*)$/.exec(text.trim())!;
  return [match[1], match[2].trim()];
}

/** One line for an event printed to stdout. */
export function formatEvent(
  event:
    | { kind: 'notification'; method: string; data: unknown }
    | { kind: 'request'; id: number; method: string; data: unknown; answer: 'auto-accepted' | 'pending' }
    | { kind: 'response'; method: string; data: unknown }
    | { kind: 'error-response'; method: string; code: unknown; reason: string },
): string {
  switch (event.kind) {
    case 'notification':
      return `<- notification ${event.method} ${json(event.data)}`;
    case 'request':
      return `<- request #${event.id} ${event.method} ${json(event.data)} (${event.answer === 'pending' ? `answer with: accept ${event.id} [json] | reject ${event.id} [code] [reason]` : 'auto-accepted'})`;
    case 'response':
      return `<- response ${event.method} ok ${json(event.data)}`;
    case 'error-response':
      return `<- response ${event.method} error ${String(event.code ?? '?')} ${event.reason}`;
  }
}

function json(value: unknown): string {
  return JSON.stringify(value ?? {});
}

/**
 * What became of one WebSocket handshake, as seen on the wire: protoo-client's
 * transport only reports "connection failed", so bin/client.ts observes the
 * HTTP exchange itself and this turns it into one line for the user.
 */
export type HandshakeOutcome =
  | { kind: 'refused'; status: number; statusText: string; body: string }
  | { kind: 'upgraded'; protocol: string | undefined }
  | { kind: 'network'; code: string | undefined; message: string };

const MAX_BODY_SHOWN = 500;

/** Why a connection attempt failed, in one line. */
export function describeHandshakeFailure(outcome: HandshakeOutcome | undefined): string {
  if (!outcome) return 'no detail available';
  switch (outcome.kind) {
    case 'refused': {
      const body = outcome.body.replace(/\s+/g, ' ').trim();
      const shown = body.length > MAX_BODY_SHOWN ? `${body.slice(0, MAX_BODY_SHOWN)}…` : body;
      return `handshake refused: HTTP ${outcome.status}${outcome.statusText ? ' ' + outcome.statusText : ''}${shown ? ': ' + shown : ' (no body)'}`;
    }
    case 'upgraded':
      return outcome.protocol === 'protoo'
        ? 'the handshake completed but the WebSocket failed'
        : `the server accepted the WebSocket without selecting the "protoo" subprotocol (Sec-WebSocket-Protocol: ${outcome.protocol ?? 'none'}); its $connect must return that header`;
    case 'network':
      return outcome.code && !outcome.message.includes(outcome.code) ? `${outcome.code}: ${outcome.message}` : outcome.message;
  }
}
