// @ts-check
/**
 * Mutation testing of the runtime: `npm run mutate` (docs/mutation-testing.md).
 * Not part of CI: a full run takes far longer than a push should wait.
 * Incremental: reports/stryker-incremental.json (committed) remembers every
 * mutant's result, so a later run tests only mutants in changed code or
 * covered by changed tests. `npm run mutate -- --force` redoes everything.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: {
    configFile: 'vitest.stryker.config.ts',
    // Tests reach the runtime through createHandlers, not only by direct import.
    related: false,
  },
  checkers: ['typescript'],
  // The checker compiles lambda/ only (tsconfig.stryker.json): the whole project takes 17 s a check.
  tsconfigFile: 'tsconfig.stryker.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  // Code that runs while modules load (constants, the default handler export)
  // cannot be attributed to a test: each such mutant would rerun every test,
  // and the non-isolated runs (vitest.stryker.config.ts) would not reload it.
  ignoreStatic: true,
  mutate: [
    'lambda/protocol/**/*.ts',
    'lambda/runtime/**/*.ts',
    'lambda/store/**/*.ts',
    'lambda/delivery/**/*.ts',
    'lambda/apps/**/*.ts',
    'lambda/keep-alive/**/*.ts',
  ],
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // Two cores, shared with others: two test runners (and the checker) at most.
  concurrency: 2,
  // The machine is shared and some tests wait on timers: give a slow run room before calling it a timeout.
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowEmojis: false, logTests: false, reportScoreTable: true },
  // What the sandbox copy does not need.
  ignorePatterns: ['cdk.out', 'coverage', 'test-results', 'demo/dist', 'reports', '.stryker-tmp'],
  tempDirName: '.stryker-tmp',
  thresholds: { high: 90, low: 85, break: null },
};
