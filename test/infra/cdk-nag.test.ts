/**
 * cdk-nag (v3, a CDK policy-validation plugin) over the app as `cdk synth`
 * builds it: the AwsSolutions and Serverless packs must report nothing that is
 * not acknowledged with a reason (infra/protoo-nag-acknowledgments.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { App, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';

import { buildApp } from '../../infra/build-app.js';
import { NO_BUNDLE } from './helpers.js';

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

type Violation = { ruleName: string; violatingConstructs: { constructPath: string }[] };

/** Synthesizes the app with both packs; returns every unacknowledged finding as "rule at path". */
function findings(context: Record<string, unknown>, extra?: (app: App) => void): string[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'protoo-nag-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  buildApp(app, { code: NO_BUNDLE });
  // Anything a test adds beside the stack's own resources (the test that shows a finding is reported).
  extra?.(app);
  let failed = false;
  try {
    app.synth();
  } catch {
    failed = true; // the report below says why
  }
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: { pluginName: string; violations: Violation[] }[];
  };
  const list = report.pluginReports.flatMap((r) =>
    r.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} at ${c.constructPath}`)),
  );
  expect(failed).toBe(list.length > 0);
  return list;
}

describe('GIVEN cdk-nag AwsSolutions and Serverless over the app', () => {
  it.each([
    ['dev (token auth, default)', {}],
    ['prod', { stage: 'prod' }],
    ['anonymous, pinned env', { auth: 'none', account: '123456789012', region: 'eu-west-1' }],
    // The SNS topic and its email subscription (acknowledged: no redrive policy for alarm emails).
    ['alarmEmail', { alarmEmail: 'ops@example.com' }],
    ['accessLogs', { accessLogs: 'true' }],
    ['functionPerRoute', { functionPerRoute: 'true' }],
    ['jwks', { auth: 'jwks', jwtIssuer: 'https://idp.example.com', jwtAudience: 'protoo' }],
    ['keepAlive off', { keepAlive: 'off' }],
  ])('THEN %s has zero unacknowledged findings', (_name, context) => {
    expect(findings(context)).toEqual([]);
  });

  it('THEN both packs do report what is not acknowledged (the test can fail)', () => {
    const list = findings({}, (app) => {
      const protoo = app.node.findChild('ProtooServerless-dev').node.findChild('Protoo');
      // Siblings of the acknowledged resources, without their acknowledgments.
      new dynamodb.Table(protoo, 'ExtraTable', { partitionKey: { name: 'k', type: dynamodb.AttributeType.STRING } });
      new lambda.Function(protoo, 'ExtraFunction', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: NO_BUNDLE,
      });
    });
    expect(list).toContain('AwsSolutions-DDB3 at ProtooServerless-dev/Protoo/ExtraTable/Resource');
    expect(list).toContain('Serverless-LambdaDLQ at ProtooServerless-dev/Protoo/ExtraFunction/Resource');
  });
});
