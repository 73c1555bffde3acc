/**
 * What the page reads from its URL, so one static build works against
 * `npm start` and against a deployed stack:
 *
 *   ?ws=wss://abc.execute-api.eu-west-1.amazonaws.com/dev   the WebSocket API (default: this page's host)
 *   &token=eyJ…          a join token: HS256 (it names the room and the peer) or your IdP's JWT (JWKS mode)
 *   &peer=alice          your peerId when no token names it (default: a random p-xxxxxxxx)
 *   &room=demo&name=Ann  prefill the form
 *   &ice=stun:stun.example.org:3478,turn:turn.example.org:3478&iceUser=u&icePass=p
 *
 * The page's own peerId must be the one the server uses: it decides which
 * side of each link is polite. With a token it is the token's `peerId`
 * claim (HS256 join tokens), else its `sub` (JWKS mode's default
 * peerIdClaim), else `?peer=`.
 */
export interface DemoConfig {
  wsUrl: string;
  token?: string;
  room?: string;
  /** The token names the room (HS256 join tokens): the form only shows it. */
  roomFixed: boolean;
  peerId?: string;
  name: string;
  iceServers: RTCIceServer[];
}

const ID = /^[A-Za-z0-9_.~-]{1,64}$/;

export function readConfig(location: Location): DemoConfig {
  const params = new URLSearchParams(location.search);
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = params.get('token') ?? undefined;
  const claims = token ? tokenClaims(token) : {};
  return {
    wsUrl: params.get('ws') ?? `${scheme}//${location.host}/`,
    token,
    room: claims.roomId ?? params.get('room') ?? undefined,
    roomFixed: claims.roomId !== undefined,
    peerId: claims.peerId ?? claims.sub ?? validId(params.get('peer')),
    name: params.get('name') ?? '',
    iceServers: iceServers(params.get('ice'), params.get('iceUser'), params.get('icePass')),
  };
}

/** The room and peer a token names; the authorizer enforces them, we only display them. */
function tokenClaims(token: string): { roomId?: string; peerId?: string; sub?: string } {
  try {
    const base64 = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    const claims = JSON.parse(json) as Record<string, unknown>;
    const id = (value: unknown) => (typeof value === 'string' ? validId(value) : undefined);
    return { roomId: id(claims.roomId), peerId: id(claims.peerId), sub: id(claims.sub) };
  } catch {
    return {};
  }
}

function validId(value: string | null): string | undefined {
  return value && ID.test(value) ? value : undefined;
}

function iceServers(list: string | null, username: string | null, credential: string | null): RTCIceServer[] {
  if (!list) return []; // host candidates only: enough on one machine or one LAN
  return list
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean)
    .map((url) => (url.startsWith('turn') && username ? { urls: url, username, credential: credential ?? '' } : { urls: url }));
}

/** The URL to connect to: the query names the room and the peer unless a token does. */
export function connectUrl(config: DemoConfig, room: string, peerId: string): string {
  const url = new URL(config.wsUrl);
  url.searchParams.set('roomId', room);
  url.searchParams.set('peerId', peerId);
  if (config.token) url.searchParams.set('token', config.token);
  return url.toString();
}

/**
 * Not crypto.randomUUID(): it exists only in secure contexts (https or
 * localhost), and the page also runs over plain http on a LAN address.
 */
export function randomPeerId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return 'p-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export { ID as ID_PATTERN };
