/**
 * LOCAL_AUTH=token for `npm start`: the very authorizer the stack deploys
 * (lambda/auth), with a development secret instead of Secrets Manager.
 */
import { randomBytes } from 'node:crypto';
import { createAuthorizer } from '../lambda/auth/authorizer.js';
import { staticSource } from '../lambda/auth/secret-source.js';
import { hs256Verifier } from '../lambda/auth/token-verifier.js';
import { createLogger, parseLogLevel } from '../lambda/log.js';
import type { AuthorizerConfig } from './authorizer.js';
import type { AuthorizerEvent } from './types.js';

export interface LocalTokenAuth {
  authorizer: AuthorizerConfig;
  /** Print it: clients and `npm run token --secret` need it. Development only. */
  secret: string;
}

export async function localTokenAuth(options: { secret?: string }, logLevel?: string): Promise<LocalTokenAuth> {
  const secret = options.secret ?? randomBytes(32).toString('base64url');
  const authorize = createAuthorizer(hs256Verifier(staticSource({ current: secret })), createLogger(parseLogLevel(logLevel)));
  return {
    secret,
    authorizer: {
      handler: (event: AuthorizerEvent) => authorize(event),
      identitySource: ['route.request.querystring.token'],
    },
  };
}
