/**
 * Identifiers in the shapes API Gateway and Lambda use, so that code which
 * stores or URL-encodes them meets the same characters locally as on AWS.
 */
import { randomFillSync, randomUUID } from 'node:crypto';

// Ids are drawn for every message (a request id, a message id, the
// Management API's request id): filling a pool once per few hundred ids
// costs a fraction of one randomBytes() call each, as randomUUID() does.
const pool = Buffer.alloc(4096);
let used = pool.length;

function randomBytes(size: number): Buffer {
  if (used + size > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += size;
  return pool.subarray(used - size, used);
}

/**
 * API Gateway connection ids, request ids and message ids look like
 * `VNRUSeldSwMCIRQ=`: 15 characters of the URL-safe base64 alphabet and a
 * trailing `=`. The `=` must be percent-encoded in Management API paths,
 * which is exactly the kind of thing a local stack should exercise.
 */
export function gatewayId(): string {
  return randomBytes(11).toString('base64url') + '=';
}

/** An API id such as `a1b2c3d4e5` (10 lowercase alphanumerics). */
export function apiId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(10);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

/** Lambda's awsRequestId is a UUID. */
export function lambdaRequestId(): string {
  return randomUUID();
}

/** The hex suffix of a Lambda log stream name (`2026/11/30/[$LATEST]<32 hex>`). */
export function logStreamSuffix(): string {
  return randomBytes(16).toString('hex');
}

/** Root=1-xxxxxxxx-yyyyyyyyyyyyyyyyyyyyyyyy, as in X-Amzn-Trace-Id. */
export function traceId(now = Date.now()): string {
  return `Root=1-${Math.floor(now / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}
