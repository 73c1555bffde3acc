/**
 * A Lambda REQUEST authorizer on `$connect`, evaluated as API Gateway does:
 *
 * - identity sources (e.g. `route.request.querystring.token`) that are
 *   missing → 401 without calling the authorizer;
 * - the authorizer throwing `Error('Unauthorized')` → 401, throwing anything
 *   else or returning a malformed result → 500;
 * - the returned IAM policy must Allow `execute-api:Invoke` on the method ARN
 *   and not Deny it, else 403;
 * - `context` (string/number/boolean values only) plus `principalId` and
 *   `integrationLatency` become `requestContext.authorizer` on every route of
 *   that connection.
 */
import { authorizerEvent, type ConnectionFacts, type ForwardedRequest } from './events.js';
import { invokeHandler, type FunctionConfig } from './lambda-context.js';
import type { AuthorizerEvent, AuthorizerResult, LambdaHandler, PolicyStatement } from './types.js';

export interface AuthorizerConfig {
  handler: LambdaHandler<AuthorizerEvent, AuthorizerResult>;
  /**
   * Identity sources as in the API definition: `route.request.header.NAME`,
   * `route.request.querystring.NAME`. Empty or absent: always invoke.
   */
  identitySource?: string[];
}

export type AuthorizerOutcome =
  | { allowed: true; authorizer: Record<string, unknown> }
  | { allowed: false; statusCode: 401 | 403 | 500; message: string };

/** 8 KB: AWS's quota on an authorizer's result. */
const MAX_RESULT_BYTES = 8 * 1024;

function hasIdentitySource(source: string, request: ForwardedRequest): boolean {
  const header = /^route\.request\.header\.(.+)$/i.exec(source);
  if (header) {
    const name = header[1]!.toLowerCase();
    return Object.entries(request.headers).some(([k, v]) => k.toLowerCase() === name && v !== '');
  }
  const query = /^route\.request\.querystring\.(.+)$/i.exec(source);
  if (query) {
    const value = request.queryStringParameters?.[query[1]!];
    return value !== undefined && value !== '';
  }
  return true; // stage variables / context sources: not checked locally
}

function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*') +
      '$',
  );
  return re.test(value);
}

function statementMatches(statement: PolicyStatement, methodArn: string): boolean {
  const actions = ([] as string[]).concat(statement.Action ?? []);
  const resources = ([] as string[]).concat(statement.Resource ?? []);
  const actionOk = actions.some((a) => globMatch(a.toLowerCase(), 'execute-api:invoke'));
  const resourceOk = resources.some((r) => globMatch(r, methodArn));
  return actionOk && resourceOk;
}

export function policyAllows(result: AuthorizerResult, methodArn: string): boolean {
  const statements = result.policyDocument?.Statement ?? [];
  let allowed = false;
  for (const statement of statements) {
    if (!statementMatches(statement, methodArn)) continue;
    if (statement.Effect === 'Deny') return false;
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed;
}

export async function runAuthorizer(
  config: AuthorizerConfig,
  facts: ConnectionFacts,
  request: ForwardedRequest,
  fn: FunctionConfig,
  timeoutMs: number,
): Promise<AuthorizerOutcome> {
  for (const source of config.identitySource ?? []) {
    if (!hasIdentitySource(source, request)) return { allowed: false, statusCode: 401, message: 'Unauthorized' };
  }
  const methodArn = `arn:aws:execute-api:${fn.region}:${fn.accountId}:${facts.apiId}/${facts.stage}/$connect`;
  const event = authorizerEvent(facts, request, methodArn);
  const started = Date.now();
  let result: AuthorizerResult;
  try {
    result = await invokeHandler(config.handler, event, fn, timeoutMs);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message === 'Unauthorized') return { allowed: false, statusCode: 401, message: 'Unauthorized' };
    return { allowed: false, statusCode: 500, message: 'Internal server error' };
  }
  if (!result || typeof result !== 'object' || !result.policyDocument || !Array.isArray(result.policyDocument.Statement)) {
    return { allowed: false, statusCode: 500, message: 'Internal server error' };
  }
  if (Buffer.byteLength(JSON.stringify(result)) > MAX_RESULT_BYTES) {
    return { allowed: false, statusCode: 500, message: 'Internal server error' };
  }
  const context = result.context ?? {};
  for (const value of Object.values(context)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      // AWS rejects nested objects/arrays in the authorizer context.
      return { allowed: false, statusCode: 500, message: 'Internal server error' };
    }
  }
  if (!policyAllows(result, methodArn)) return { allowed: false, statusCode: 403, message: 'Forbidden' };
  return {
    allowed: true,
    authorizer: {
      ...context,
      principalId: result.principalId ?? '',
      integrationLatency: Date.now() - started,
    },
  };
}
