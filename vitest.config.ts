import { defineConfig } from 'vitest/config';
import { findJava } from './local/java.js';

// The integration suite also runs on Amazon DynamoDB Local, which needs Java
// 17+. A developer machine without it leaves that file out and says so; CI
// always runs it, so a CI machine without Java fails instead of skipping.
const DYNAMODB_LOCAL_TESTS = 'test/integration/dynamodb-local.test.ts';
const LATENCY_TESTS = ['test/integration/rate-limit.test.ts', 'test/integration/stuck-peer.test.ts', 'test/integration/keep-alive.test.ts'];
const java = findJava();

// Lambda runs Node 22; the AWS SDK's notice that it will drop Node 20 would
// print once per worker and child process, burying the test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const leaveOutDynamoDbLocal = 'missing' in java && !process.env.CI;
if (leaveOutDynamoDbLocal) {
  console.warn(
    `\n*** NOT RUNNING the integration suite against Amazon DynamoDB Local: ${java.missing}. ` +
      'Install Java 17+ (e.g. apt-get install openjdk-17-jre-headless) to run it; CI always does. ***\n',
  );
}

// One project per kind of test, so each can be run alone
// (`vitest run --project unit`) and slow suites get their own timeouts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'store',
          include: ['test/store/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'local',
          include: ['test/local/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: [...LATENCY_TESTS, ...(leaveOutDynamoDbLocal ? [DYNAMODB_LOCAL_TESTS] : [])],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Tests that measure latency under load run last and one at a time,
        // so the rest of the suite running beside them cannot be what they measure.
        test: {
          name: 'latency',
          include: LATENCY_TESTS,
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 120_000,
        },
      },
      {
        // The demo page in Debian's headless Chromium. test/browser/demo.test.ts
        // skips loudly without /usr/bin/chromium and fails instead under CI.
        // Last, alone: three Chromiums with fake video load the machine.
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          sequence: { groupOrder: 2 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
