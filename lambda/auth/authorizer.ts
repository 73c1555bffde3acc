/**
 * The `$connect` REQUEST authorizer: the token from `?token=` is verified
 * and the connection is allowed as the peer the token names. The identity
 * goes in the context (`roomId`, `peerId`, `claims` as a JSON string:
 * API Gateway context values must be strings, numbers or booleans), which
 * the runtime prefers over the query string on every route.
 *
 * Refusals throw `Error('Unauthorized')` (API Gateway answers 401) and are
 * logged with their reason, never with the token. Anything else that goes
 * wrong (the secret cannot be read) propagates: a 500, logged as an error.
 */
import type { Logger } from '../log.js';
import { AuthError } from './auth-error.js';
import type { TokenVerifier } from './token-verifier.js';

export interface AuthorizerRequest {
  methodArn: string;
  queryStringParameters?: Record<string, string | undefined> | null;
  requestContext?: { connectionId?: string; identity?: { sourceIp?: string } };
}

export interface AuthorizerResponse {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: Array<{ Action: string; Effect: 'Allow'; Resource: string }>;
  };
  context: { roomId: string; peerId: string; claims: string };
}

/** Leaves room in API Gateway's 8 KB authorizer response for the rest. */
export const MAX_CLAIMS_BYTES = 4096;
export const TOKEN_PARAMETER = 'token';

export function createAuthorizer(verify: TokenVerifier, log: Logger) {
  return async (event: AuthorizerRequest): Promise<AuthorizerResponse> => {
    const query = event.queryStringParameters ?? {};
    const where = {
      route: '$connect',
      connectionId: event.requestContext?.connectionId,
      sourceIp: event.requestContext?.identity?.sourceIp,
    };
    try {
      const token = query[TOKEN_PARAMETER];
      if (!token) throw new AuthError('missing-token', `no ?${TOKEN_PARAMETER}= parameter`);
      const identity = await verify(token, query);
      const claims = JSON.stringify(identity.claims);
      if (Buffer.byteLength(claims) > MAX_CLAIMS_BYTES) {
        throw new AuthError('claims-too-large', `app claims are over ${MAX_CLAIMS_BYTES} bytes of JSON`);
      }
      log.info('connect authorized', { ...where, roomId: identity.roomId, peerId: identity.peerId, outcome: 'allow' });
      return {
        principalId: identity.peerId,
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
        },
        context: { roomId: identity.roomId, peerId: identity.peerId, claims },
      };
    } catch (error) {
      if (error instanceof AuthError) {
        // An identity provider whose key set cannot be fetched refuses every valid client: that is
        // the operator's problem, logged as an error so the AuthorizerErrors alarm sees it.
        const level = error.reason === 'jwks-unavailable' ? 'error' : 'warn';
        log[level]('connect refused', { ...where, outcome: 'unauthorized', reason: error.reason, detail: error.message });
        throw new Error('Unauthorized');
      }
      log.error('authorizer failed', { ...where, outcome: 'error', error });
      throw error;
    }
  };
}
