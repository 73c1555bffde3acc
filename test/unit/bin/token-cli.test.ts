import { spawnSync } from 'node:child_process';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyJoinToken } from '../../../lambda/auth/join-token.js';
import { buildJoinUrl, mintJoinUrl, parseTokenArgs, TokenUsageError } from '../../../bin/token-cli.js';

const SECRET = 'stack-secret-stack-secret-stack-secret-01';
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ProtooJoin-AbC';
const WSS = 'wss://abc123.execute-api.us-east-1.amazonaws.com/dev';

describe('npm run token: arguments', () => {
  it('needs --room and --peer; defaults to 1 h and the dev stack', () => {
    expect(parseTokenArgs(['--room', 'demo', '--peer', 'alice'])).toEqual({
      roomId: 'demo', peerId: 'alice', ttl: '1h', claims: undefined, stack: 'ProtooServerless-dev',
      secret: undefined, url: undefined, region: undefined, tokenOnly: false,
    });
    expect(() => parseTokenArgs(['--room', 'demo'])).toThrow(TokenUsageError);
  });

  it('parses ttl as seconds or a span, claims as a JSON object, and the stack', () => {
    const o = parseTokenArgs(['--room', 'r', '--peer', 'p', '--ttl', '900', '--claims', '{"role":"host"}', '--stack', 'ProtooServerless-prod']);
    expect(o).toMatchObject({ ttl: 900, claims: { role: 'host' }, stack: 'ProtooServerless-prod' });
    expect(parseTokenArgs(['--room', 'r', '--peer', 'p', '--ttl', '2 days']).ttl).toBe('2 days');
  });

  it.each([
    [['--room', 'r', '--peer', 'p', '--ttl', 'forever'], /--ttl/],
    [['--room', 'r', '--peer', 'p', '--claims', '[1]'], /--claims/],
    [['--room', 'r', '--peer', 'p', '--claims', '{'], /--claims/],
    [['--room', 'r', '--peer', 'p', '--url', 'http://x'], /--url/],
    [['--room', 'r', '--peer'], /--peer needs a value/],
    [['--room', 'r', '--peer', 'p', '--bogus', 'x'], /unknown argument/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseTokenArgs(argv)).toThrow(message);
  });
});

describe('npm run token: the URL', () => {
  const cfn = mockClient(CloudFormationClient);
  const sm = mockClient(SecretsManagerClient);
  afterEach(() => {
    cfn.reset();
    sm.reset();
  });
  const clients = () => ({ cloudFormation: new CloudFormationClient({}), secretsManager: new SecretsManagerClient({}) });

  it('appends roomId, peerId and the token, keeping the stage path, encoding what needs it', () => {
    expect(buildJoinUrl(WSS, 'r', 'p', 'a.b.c')).toBe(`${WSS}?roomId=r&peerId=p&token=a.b.c`);
    expect(buildJoinUrl('ws://127.0.0.1:8080/local', 'r~1', 'p', 'x')).toBe('ws://127.0.0.1:8080/local?roomId=r%7E1&peerId=p&token=x');
  });

  it('reads the stack outputs and the secret, and signs a token the authorizer accepts', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'ProtooServerless-dev' }).resolves({
      Stacks: [{ StackName: 'x', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [
        { OutputKey: 'WebSocketUrl', OutputValue: WSS },
        { OutputKey: 'JoinTokenSecretArn', OutputValue: ARN },
      ] }],
    });
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: JSON.stringify({ current: SECRET, previous: 'old' }) });
    const { url, token } = await mintJoinUrl(parseTokenArgs(['--room', 'demo', '--peer', 'alice', '--ttl', '60']), clients);
    expect(url).toBe(`${WSS}?roomId=demo&peerId=alice&token=${token}`);
    expect(await verifyJoinToken(token, { current: SECRET })).toMatchObject({ roomId: 'demo', peerId: 'alice' });
  });

  it('says so when the stack is not in token mode', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'x', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [
        { OutputKey: 'WebSocketUrl', OutputValue: WSS },
        { OutputKey: 'AuthMode', OutputValue: 'none (ANONYMOUS): …' },
      ] }],
    });
    await expect(mintJoinUrl(parseTokenArgs(['--room', 'r', '--peer', 'p']), clients)).rejects.toThrow(/not in token mode \(none \(ANONYMOUS\)/);
    expect(sm.calls()).toHaveLength(0);
  });

  it('with --secret and --url it makes no AWS call at all', async () => {
    const options = parseTokenArgs(['--room', 'r', '--peer', 'p', '--secret', SECRET, '--url', 'ws://127.0.0.1:8080/local']);
    const { url } = await mintJoinUrl(options, () => {
      throw new Error('no AWS clients expected');
    });
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:8080\/local\?roomId=r&peerId=p&token=ey/);
  });

  it('the command exits 2 with the usage on bad arguments', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/token.ts', '--room', 'r'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--room and --peer are required\nusage: npm run token/);
  });
});
