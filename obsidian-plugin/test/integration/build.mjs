// Bundles the Node harness (shim + happy-dom + yaml) next to this file; main.js itself stays as built.
import esbuild from "esbuild";

await esbuild.build({
    entryPoints: [new URL("./harness.ts", import.meta.url).pathname],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    outfile: new URL("./dist/harness.cjs", import.meta.url).pathname,
    logLevel: "warning",
});
