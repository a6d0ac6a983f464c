// Mutation check: would the tests notice if the plugin's logic changed? `npm run mutation`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
    testRunner: "vitest",
    // The logic the tests reach; main.ts, settings.ts and daemon/ are wiring and I/O, tested elsewhere.
    mutate: ["src/memory/**/*.ts", "src/obsidian/**/*.ts"],
    // Run only the tests that cover each mutant: a full run of the suite per mutant would take hours.
    coverageAnalysis: "perTest",
    reporters: ["clear-text", "progress", "json"],
    jsonReporter: { fileName: "reports/mutation/mutation.json" },
    // Each worker is a vitest with happy-dom: two fit a 2-core CI runner.
    concurrency: 2,
    // `break`: the run fails (exit code 1) below a score of 80%.
    thresholds: { high: 90, low: 80, break: 80 },
};
