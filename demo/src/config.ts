/**
 * What the page reads from its URL, so one static build works against
 * `npm start` and against a deployed stack:
 *
 *   ?ws=wss://abc.execute-api.eu-west-1.amazonaws.com/dev   the WebSocket API (default: this page's host)
 *   &token=eyJ…          a join token (token mode: it names the room and the peer)
 *   &room=demo&name=Ann  prefill the form
 *   &ice=stun:stun.example.org:3478,turn:turn.example.org:3478&iceUser=u&icePass=p
 */
export interface DemoConfig {
  wsUrl: string;
  token?: string;
  /** Fixed by the token when there is one. */
  room?: string;
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
    peerId: claims.peerId ?? validId(params.get('peer')),
    name: params.get('name') ?? '',
    iceServers: iceServers(params.get('ice'), params.get('iceUser'), params.get('icePass')),
  };
}

/** The room and peer a join token names; the authorizer enforces them, we only display them. */
function tokenClaims(token: string): { roomId?: string; peerId?: string } {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(payload)) as Record<string, unknown>;
    return {
      roomId: typeof claims.roomId === 'string' ? claims.roomId : undefined,
      peerId: typeof claims.peerId === 'string' ? claims.peerId : undefined,
    };
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

export function randomPeerId(): string {
  return 'p-' + crypto.randomUUID().slice(0, 8);
}

export { ID as ID_PATTERN };
