import { defineConfig } from 'vitest/config';

/**
 * The tests StrykerJS runs against each mutant (`npm run mutate`): the unit
 * and store projects of vitest.config.ts, nothing that starts a local
 * stack, a JVM or a browser. Keep the two in step with vitest.config.ts.
 *
 * Not isolated: test files share one module graph, so the AWS SDK and the
 * runtime load once per run instead of once per file (a mutant's run drops
 * from ~40 s to a few). The suites pass either way; static mutants (code run
 * while modules load) are left out by stryker.config.mjs (ignoreStatic),
 * since a module loaded once would not show them.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The store project's storable-data test also runs on Amazon DynamoDB Local
// when Java is present; a JVM per mutant run is too slow, so here it runs on
// embedded dynalite only (its documented fallback without Java).
process.env.JAVA = 'java-left-out-by-stryker';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          isolate: false,
          // Mutants run beside other work on a shared machine: a slow test is not a failing one.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'store',
          include: ['test/store/**/*.test.ts'],
          isolate: false,
          testTimeout: 30_000,
        },
      },
    ],
  },
});
