/**
 * Who may connect: the `auth` prop of ProtooWebSocketApi.
 *
 *   { mode: 'token' }  (default) HS256 join tokens signed with a secret the
 *                      stack generates in Secrets Manager;
 *   { mode: 'jwks', … } tokens of an external identity provider (Cognito,
 *                      Auth0…), verified against its JWKS;
 *   { mode: 'none' }   anonymous: the query string names the peer, and
 *                      anyone can take any peerId in any room.
 */
export type ProtooAuth =
  | { readonly mode: 'token' }
  | {
      readonly mode: 'jwks';
      /** e.g. https://cognito-idp.{region}.amazonaws.com/{userPoolId} */
      readonly issuer: string;
      /** e.g. the user pool app client id (Cognito ID tokens carry it as `aud`) */
      readonly audience: string;
      /** @default `${issuer}/.well-known/jwks.json` */
      readonly jwksUrl?: string;
      /** The claim that is the peerId; its value must match [A-Za-z0-9_.~-]{1,64}. @default 'sub' */
      readonly peerIdClaim?: string;
      /** A claim listing the rooms the token may join. @default - any room */
      readonly roomClaim?: string;
    }
  | { readonly mode: 'none' };

export type AuthMode = ProtooAuth['mode'];

/** What each mode allows, in the words the deploy output prints. */
export const AUTH_MODE_SUMMARY: Record<AuthMode | 'custom', string> = {
  token:
    'token: a $connect needs ?token=<join token> signed with the stack secret (npm run token, or createJoinToken on your backend); the token names the room and the peer, the query string cannot',
  jwks: 'jwks: a $connect needs ?token=<JWT> from your identity provider; the peerId is a claim of the token, the roomId comes from the query string',
  none: 'none (ANONYMOUS): anyone who has the URL can connect as any peerId in any room, and replace (kick out) that peer; use only for development',
  custom: 'custom: your own $connect authorizer function decides who connects',
};
