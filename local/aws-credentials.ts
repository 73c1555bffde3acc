/**
 * Which AWS credentials the local stack (and the runtime it serves) signs
 * with. The stack must never replace credentials the developer configured:
 * with `DYNAMODB_ENDPOINT` pointing at a real regional endpoint they are
 * what reaches the table, and temporary ones only work together with
 * their `AWS_SESSION_TOKEN`.
 *
 * So dummy keys (`local`/`local`) are set only when both hold:
 *
 * - the DynamoDB engine is local — embedded dynalite, DynamoDB Local, no
 *   table at all, or an endpoint on a loopback host — where any key works;
 * - no credentials are configured, i.e. the SDK's default chain would find
 *   nothing (no keys in the environment, no AWS_PROFILE, no web identity or
 *   container credentials, no default profile with credentials in the
 *   shared files).
 *
 * Otherwise nothing is set and everything (the engine's own client, the
 * runtime's DynamoDB and Management API clients) resolves credentials
 * through the SDK's default chain, session token included.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { EngineSpec } from './dynamodb-engines.js';

export const DUMMY_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

type Env = Record<string, string | undefined>;

/** An engine any access key can use (nothing leaves this machine). */
export function isLocalEngine(spec: EngineSpec): boolean {
  if (spec.kind !== 'external') return true;
  let hostname: string;
  try {
    hostname = new URL(spec.endpoint).hostname.toLowerCase();
  } catch {
    return false;
  }
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(hostname) ||
    hostname === '[::1]' ||
    hostname === '::1'
  );
}

/** Keys in a shared-file profile that give it credentials (not just a region). */
const CREDENTIAL_KEYS = [
  'aws_access_key_id',
  'role_arn',
  'credential_process',
  'credential_source',
  'web_identity_token_file',
  'sso_start_url',
  'sso_session',
  'login_session',
];

function profileHasCredentials(path: string, sections: string[]): boolean {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  let inSection = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (header) {
      inSection = sections.includes(header[1]!.replace(/\s+/g, ' '));
      continue;
    }
    if (!inSection) continue;
    const key = line.split('=')[0]!.trim().toLowerCase();
    if (CREDENTIAL_KEYS.includes(key)) return true;
  }
  return false;
}

/**
 * Where the SDK's default chain would find credentials, or undefined if it
 * would find none (IMDS on EC2 is not probed: it is not a developer setup).
 */
export function configuredCredentials(env: Env = process.env): string | undefined {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return 'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY';
  if (env.AWS_PROFILE) return `AWS_PROFILE=${env.AWS_PROFILE}`;
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return 'AWS_WEB_IDENTITY_TOKEN_FILE';
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return 'container credentials';
  const home = env.HOME || env.USERPROFILE || homedir();
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials');
  if (profileHasCredentials(credentialsFile, ['default'])) return `${credentialsFile} [default]`;
  const configFile = env.AWS_CONFIG_FILE || join(home, '.aws', 'config');
  if (profileHasCredentials(configFile, ['default', 'profile default'])) return `${configFile} [default]`;
  return undefined;
}

export type CredentialsPlan =
  /** Set these dummy keys in process.env while the stack runs, and sign with them. */
  | { kind: 'dummy'; env: { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string } }
  /** Leave process.env alone; sign through the SDK's default chain. */
  | { kind: 'configured'; source: string }
  /** Nothing configured and the endpoint is not local: the SDK will fail to sign. */
  | { kind: 'missing' };

export function planCredentials(spec: EngineSpec, env: Env = process.env): CredentialsPlan {
  const source = configuredCredentials(env);
  if (source) return { kind: 'configured', source };
  if (isLocalEngine(spec)) {
    return {
      kind: 'dummy',
      env: { AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey },
    };
  }
  return { kind: 'missing' };
}
