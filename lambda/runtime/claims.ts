import type { AppData } from '../app/types.js';
import { isPlainObject } from '../protocol/parse-message.js';

/**
 * The app claims of a verified join token. The authorizer passes them as a
 * JSON string (API Gateway context values are scalars), and API Gateway
 * delivers that context with every message of the connection, so they cost
 * no read. Anything else (no authorizer, no claims, not an object) is {}.
 */
export function claimsFrom(authorizer: Record<string, unknown> | null | undefined): AppData {
  const raw = authorizer?.claims;
  if (typeof raw !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return isPlainObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}
