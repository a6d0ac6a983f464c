// Builds main.js the way Obsidian's sample plugin does: one CommonJS bundle, `obsidian` and Electron external.
import { builtinModules } from "node:module";
import esbuild from "esbuild";

const production = process.argv[2] === "production";

const context = await esbuild.context({
    entryPoints: ["src/main.ts"],
    bundle: true,
    external: ["obsidian", "electron", "@codemirror/*", "@lezer/*", ...builtinModules],
    format: "cjs",
    target: "es2021",
    platform: "browser",
    logLevel: "info",
    sourcemap: production ? false : "inline",
    treeShaking: true,
    minify: false,
    legalComments: "none",
    outfile: "main.js",
});

if (production) {
    await context.rebuild();
    await context.dispose();
} else {
    await context.watch();
}
