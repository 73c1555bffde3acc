/**
 * The CDK app behind `npm run synth` / `npm run deploy` (see cdk.json).
 *
 *   npx cdk deploy                         # stage "dev": table and logs destroyed with the stack
 *   npx cdk deploy -c stage=prod           # retained table, point-in-time recovery on
 *   npx cdk deploy -c throttleRate=100 -c throttleBurst=200 -c logLevel=debug
 *
 * Every context key is listed in infra/config.ts and docs/deploy.md.
 * The stack is environment-agnostic (no account, region or lookup in the
 * template) unless you pin it: -c account=123456789012 -c region=eu-west-1.
 */
import { App } from 'aws-cdk-lib';

import { buildApp } from './build-app.js';

buildApp(new App());
