import { MAX_MESSAGE_BYTES } from '../../protocol/encode.js';

/**
 * A room's declared capacity. The `join` answer and `getPeers` list every
 * other peer with its info in one message, which API Gateway caps at
 * 128 KB, so the two limits are chosen together: a full room of peers with
 * the largest info still fits, and a join beyond capacity is refused
 * before anything is written.
 */
export interface RoomRelayLimits {
  /** Peers that may be joined at once (ROOM_MAX_PEERS). */
  maxPeers: number;
  /** Bytes of one peer's info, as JSON (PEER_INFO_MAX_BYTES). */
  maxInfoBytes: number;
}

/**
 * 100 peers of 1 KB: far more than a WebRTC mesh can carry (it tops out
 * near 10) and room for an SFU's participant list, with display name,
 * device and flags well inside 1 KB. Larger info means fewer peers.
 */
export const DEFAULT_LIMITS: RoomRelayLimits = { maxPeers: 100, maxInfoBytes: 1024 };

/** `{"id":"<64 chars>","data":…},` around each listed peer's info. */
export const LISTED_PEER_OVERHEAD_BYTES = 90;
/** `{"response":true,"id":9999999,"ok":true,"data":{"peers":[]}}` and change. */
export const ANSWER_ENVELOPE_BYTES = 128;

/** The largest `join`/`getPeers` answer these limits allow, in bytes. */
export function largestAnswerBytes({ maxPeers, maxInfoBytes }: RoomRelayLimits): number {
  return ANSWER_ENVELOPE_BYTES + (maxPeers - 1) * (maxInfoBytes + LISTED_PEER_OVERHEAD_BYTES);
}

/** Throws a one-line error when the limits are unusable or could produce an answer API Gateway refuses. */
export function validateLimits(limits: RoomRelayLimits): RoomRelayLimits {
  const { maxPeers, maxInfoBytes } = limits;
  if (!Number.isInteger(maxPeers) || maxPeers < 1) throw new Error(`ROOM_MAX_PEERS must be a whole number ≥ 1, got ${maxPeers}`);
  if (!Number.isInteger(maxInfoBytes) || maxInfoBytes < 2) throw new Error(`PEER_INFO_MAX_BYTES must be a whole number ≥ 2, got ${maxInfoBytes}`);
  const largest = largestAnswerBytes(limits);
  if (largest > MAX_MESSAGE_BYTES) {
    throw new Error(
      `ROOM_MAX_PEERS=${maxPeers} with PEER_INFO_MAX_BYTES=${maxInfoBytes} allows a ${largest}-byte peer list, over API Gateway's ${MAX_MESSAGE_BYTES}-byte message limit`,
    );
  }
  return limits;
}

/** The limits from the environment, defaults for what is unset; throws on a bad value. */
export function limitsFromEnv(env: NodeJS.ProcessEnv): RoomRelayLimits {
  return validateLimits({
    maxPeers: wholeNumber(env, 'ROOM_MAX_PEERS', DEFAULT_LIMITS.maxPeers),
    maxInfoBytes: wholeNumber(env, 'PEER_INFO_MAX_BYTES', DEFAULT_LIMITS.maxInfoBytes),
  });
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
  return Number(raw);
}
