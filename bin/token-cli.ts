/**
 * `npm run token`: the pure parts — argument parsing, finding the stack's
 * outputs and secret, and building the ready-to-use URL. bin/token.ts runs it.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createJoinToken } from '../lambda/auth/join-token.js';
import { parseSecretString } from '../lambda/auth/secret-source.js';

export const TOKEN_USAGE = `usage: npm run token -- --room <roomId> --peer <peerId> [options]

Prints a wss://…?roomId=…&peerId=…&token=… URL for protoo-client.

  --ttl <span>        token lifetime: seconds or 30m, 1h, 2 days… (default 1h)
  --claims <json>     app claims, e.g. '{"role":"host"}'
  --stack <name>      CloudFormation stack (default ProtooServerless-dev); its
                      WebSocketUrl and JoinTokenSecretArn outputs are read with
                      your AWS credentials
  --secret <value>    sign with this secret instead of reading Secrets Manager
  --url <ws-url>      use this URL instead of the stack's (with --secret: no AWS call at all,
                      e.g. the local stack's LOCAL_AUTH=token development secret)
  --region <region>   AWS region (default: your AWS configuration)
  --token-only        print the token alone`;

export class TokenUsageError extends Error {
  override name = 'TokenUsageError';
}

export interface TokenOptions {
  roomId: string;
  peerId: string;
  ttl: number | string;
  claims?: Record<string, unknown>;
  stack: string;
  secret?: string;
  url?: string;
  region?: string;
  tokenOnly: boolean;
}

const TTL = /^(\d+|\d+\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days|w|week|weeks))$/i;

export function parseTokenArgs(argv: string[]): TokenOptions {
  const seen: Record<string, string> = {};
  let tokenOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--token-only') {
      tokenOnly = true;
      continue;
    }
    if (!['--room', '--peer', '--ttl', '--claims', '--stack', '--secret', '--url', '--region'].includes(arg)) {
      throw new TokenUsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
    const value = argv[++i];
    if (value === undefined || value.startsWith('--')) throw new TokenUsageError(`${arg} needs a value`);
    seen[arg.slice(2)] = value;
  }
  if (!seen.room || !seen.peer) throw new TokenUsageError('--room and --peer are required');
  const ttlText = seen.ttl ?? '1h';
  if (!TTL.test(ttlText.trim())) throw new TokenUsageError(`--ttl must be seconds or a span like 30m, 1h, 2 days; got ${JSON.stringify(ttlText)}`);
  let claims: Record<string, unknown> | undefined;
  if (seen.claims !== undefined) {
    try {
      claims = JSON.parse(seen.claims);
    } catch {
      throw new TokenUsageError('--claims must be a JSON object');
    }
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new TokenUsageError('--claims must be a JSON object');
  }
  if (seen.url !== undefined && !/^wss?:\/\//.test(seen.url)) throw new TokenUsageError('--url must start with ws:// or wss://');
  return {
    roomId: seen.room,
    peerId: seen.peer,
    ttl: /^\d+$/.test(ttlText.trim()) ? Number(ttlText.trim()) : ttlText.trim(),
    claims,
    stack: seen.stack ?? 'ProtooServerless-dev',
    secret: seen.secret,
    url: seen.url,
    region: seen.region,
    tokenOnly,
  };
}

/** The protoo-client URL: roomId and peerId for readability (the token is what counts), then the token. */
export function buildJoinUrl(base: string, roomId: string, peerId: string, token: string): string {
  const url = new URL(base);
  url.searchParams.set('roomId', roomId);
  url.searchParams.set('peerId', peerId);
  url.searchParams.set('token', token);
  return url.toString();
}

export interface AwsClients {
  cloudFormation: CloudFormationClient;
  secretsManager: SecretsManagerClient;
}

async function stackOutputs(client: CloudFormationClient, stack: string): Promise<Record<string, string>> {
  const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stack }));
  const outputs = Stacks?.[0]?.Outputs ?? [];
  return Object.fromEntries(outputs.map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

/** Mints a token (and the URL) the way the deployed authorizer will verify it. */
export async function mintJoinUrl(options: TokenOptions, clients: () => AwsClients): Promise<{ token: string; url?: string }> {
  let url = options.url;
  let secret = options.secret;
  if (url === undefined || secret === undefined) {
    const aws = clients();
    const outputs = await stackOutputs(aws.cloudFormation, options.stack);
    if (secret === undefined) {
      const arn = outputs.JoinTokenSecretArn;
      if (!arn) {
        throw new Error(
          `stack ${options.stack} has no JoinTokenSecretArn output: it is not in token mode (${outputs.AuthMode ?? 'no AuthMode output'})`,
        );
      }
      const { SecretString } = await aws.secretsManager.send(new GetSecretValueCommand({ SecretId: arn }));
      if (SecretString === undefined) throw new Error(`secret ${arn} has no SecretString`);
      secret = parseSecretString(SecretString).current;
    }
    url ??= outputs.WebSocketUrl;
    if (!url && !options.tokenOnly) throw new Error(`stack ${options.stack} has no WebSocketUrl output`);
  }
  const token = await createJoinToken({ roomId: options.roomId, peerId: options.peerId, ttl: options.ttl, claims: options.claims }, secret);
  return { token, url: url ? buildJoinUrl(url, options.roomId, options.peerId, token) : undefined };
}

export function defaultClients(region?: string): AwsClients {
  return { cloudFormation: new CloudFormationClient({ region }), secretsManager: new SecretsManagerClient({ region }) };
}
