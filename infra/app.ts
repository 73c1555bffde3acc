/**
 * The CDK app behind `npm run synth` / `npm run deploy` (see cdk.json).
 *
 *   npx cdk deploy                         # stage "dev": table and logs destroyed with the stack
 *   npx cdk deploy -c stage=prod           # retained table, point-in-time recovery on
 *   npx cdk deploy -c throttleRate=100 -c throttleBurst=200 -c logLevel=debug
 *
 * Every context key is listed in infra/config.ts and docs/deploy.md.
 * Without AWS credentials the stack is environment-agnostic, so `cdk synth`
 * needs no account or region lookup.
 */
import { App } from 'aws-cdk-lib';

import { buildApp } from './build-app.js';

buildApp(new App());
