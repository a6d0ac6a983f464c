import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
    resolve: {
        // The Obsidian API, mocked at its edge only: see test/shim/obsidian.ts.
        alias: { obsidian: fileURLToPath(new URL("./test/shim/obsidian.ts", import.meta.url)) },
    },
    test: {
        environment: "happy-dom",
        include: ["test/**/*.test.ts"],
        setupFiles: ["test/setup.ts"],
    },
});
