// Bundles the Node harness (shim + happy-dom + yaml) and the scale benchmark next to this file; main.js
// itself stays as built.
import esbuild from "esbuild";

for (const name of ["harness", "bench"]) {
    await esbuild.build({
        entryPoints: [new URL(`./${name}.ts`, import.meta.url).pathname],
        bundle: true,
        platform: "node",
        format: "cjs",
        target: "node20",
        outfile: new URL(`./dist/${name}.cjs`, import.meta.url).pathname,
        logLevel: "warning",
    });
}
