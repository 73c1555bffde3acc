import { defineConfig } from 'vitest/config';

/**
 * The tests StrykerJS runs against each mutant (`npm run mutate`): the unit
 * and store projects of vitest.config.ts, nothing that starts a local
 * stack, a JVM or a browser. Keep the two in step with vitest.config.ts.
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
        },
      },
      {
        test: {
          name: 'store',
          include: ['test/store/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
    ],
  },
});
