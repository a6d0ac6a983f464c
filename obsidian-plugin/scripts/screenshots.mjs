// Screenshots of the three panes for docs/: the real main.js rendering its real DOM in headless
// Chromium, over a copy of the starter vault that a real memem daemon is watching (when memem is
// installed in ../.venv or MEMEM_BIN points at it). Run with `make screenshots`.
//
// Needs Debian's chromium (`apt-get install chromium`) or CHROMIUM=/path/to/chrome.

import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import esbuild from "esbuild";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const plugin = join(here, "..");
const repo = join(plugin, "..");
const docs = join(repo, "docs");
const browser = process.env.CHROMIUM ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(existsSync);
if (!browser) throw new Error("Chromium not found: apt-get install chromium, or set CHROMIUM");

await esbuild.build({
    entryPoints: [join(plugin, "test/integration/page.ts")],
    bundle: true,
    format: "iife",
    platform: "browser",
    outfile: join(plugin, "test/integration/dist/page.js"),
    logLevel: "warning",
});

// A copy of the starter vault, plus a second contradiction so the pane shows more than one pair.
const work = mkdtempSync(join(tmpdir(), "memem-shots-"));
const vault = join(work, "vault");
const home = join(work, "home");
cpSync(join(repo, "memem", "vault", "starter"), vault, { recursive: true });
const note = (name, lines, body) =>
    writeFileSync(join(vault, "memem/memories", `${name}.md`), `---\n${lines.join("\n")}\n---\n\n${body}\n`);
note(
    "Deploys run from main",
    ["id: deploy-main", "title: Deploys run from main", "project: example-app", "layer: 2", "kind: convention", "status: active",
     "created: 2026-09-01", "source_type: mined", "source_session: 2f7c9e1a-aa41-4c55-9e0b-1d2c3b4a5f60", "contradicts:", '  - "[[Deploys run from the release branch]]"'],
    "Deploys of example-app run from the main branch once a pull request is merged.",
);
note(
    "Deploys run from the release branch",
    ["id: deploy-release", "title: Deploys run from the release branch", "project: example-app", "layer: 2", "kind: decision",
     "status: active", "created: 2026-11-21", "source_type: mined", "source_session: 8b3d1f20-6c7e-4a9b-b1d2-e3f4a5b6c7d8",
     "contradiction_evidence: the November runbook says deploys come only from signed tags on release", "contradicts:", '  - "[[Deploys run from main]]"'],
    "Since November, example-app deploys only from the `release` branch, from a signed tag.",
);

// A mined near-duplicate of a starter memory: `memem consolidate` proposes folding it (the review pane's
// proposals, shot below).
writeFileSync(
    join(vault, "memem/memories/example-app", "Install Python dependencies with uv.md"),
    `---\n${["id: mined-uv-sync", "title: Install Python dependencies with uv", "project: example-app", "layer: 2", "kind: convention",
        "status: active", "created: 2026-11-28", "source_type: mined", "source_session: 5e6f7a8b-1c2d-4e3f-9a0b-c1d2e3f4a5b6"].join("\n")}\n---\n\n` +
        "example-app installs its Python dependencies with `uv sync` from the lock file `uv.lock`, both locally and in CI; it replaced pip-tools.\n",
);

// memem's daemon on the copy, if memem is installed: the related pane and status bar show live data.
const memem = process.env.MEMEM_BIN ?? join(repo, ".venv/bin/memem");
let daemon = null;
let endpoint = null;
if (existsSync(memem)) {
    daemon = spawn(memem, ["--vault", vault, "serve", "--quiet"], { env: { ...process.env, MEMEM_DIR: home }, stdio: "ignore" });
    for (let i = 0; i < 600 && !endpoint; i++) {
        await new Promise((r) => setTimeout(r, 200));
        const dirs = existsSync(join(home, "vaults")) ? readdirSync(join(home, "vaults")) : [];
        for (const dir of dirs) {
            const file = join(home, "vaults", dir, "daemon.json");
            if (!existsSync(file)) continue;
            const info = JSON.parse(readFileSync(file, "utf8"));
            const token = readFileSync(join(home, "token"), "utf8").trim();
            const status = await fetch(`http://${info.host}:${info.port}/v1/status`, { headers: { Authorization: `Bearer ${token}` } })
                .then((r) => r.json())
                .catch(() => null);
            if (status?.daemon?.phase === "watching" && status.stale_vectors === 0) endpoint = { url: `http://${info.host}:${info.port}`, token };
        }
    }
}

if (endpoint) {
    const consolidated = spawnSync(memem, ["--vault", vault, "consolidate"], { env: { ...process.env, MEMEM_DIR: home }, encoding: "utf8" });
    console.log(consolidated.stdout.trim().split("\n").at(-1));
}

const walk = (dir) =>
    readdirSync(dir).flatMap((name) => {
        if (name.startsWith(".")) return [];
        const full = join(dir, name);
        return statSync(full).isDirectory() ? walk(full) : [full];
    });
const stored = (path) => ({ path, mtime: statSync(join(vault, path)).mtimeMs, size: statSync(join(vault, path)).size });
const bridge = async (op, ...args) => {
    if (op === "list") return walk(vault).map((full) => stored(relative(vault, full)));
    if (op === "read") return readFileSync(join(vault, args[0]), "utf8");
    if (op === "write") {
        mkdirSync(dirname(join(vault, args[0])), { recursive: true });
        writeFileSync(join(vault, args[0]), args[1]);
        return stored(args[0]);
    }
    if (op === "trash") return renameSync(join(vault, args[0]), join(vault, ".trash", args[0].split("/").pop()));
    if (op === "move") {
        mkdirSync(dirname(join(vault, args[1])), { recursive: true });
        renameSync(join(vault, args[0]), join(vault, args[1]));
        return stored(args[1]);
    }
    if (op === "fetch") {
        const r = args[0];
        const response = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body });
        return { status: response.status, text: await response.text() };
    }
    throw new Error(`unknown bridge op ${op}`);
};

const css = readFileSync(join(here, "theme.css"), "utf8") + readFileSync(join(plugin, "styles.css"), "utf8");
const bundle = readFileSync(join(plugin, "main.js"), "utf8");
const manifest = JSON.parse(readFileSync(join(plugin, "manifest.json"), "utf8"));
const settings = endpoint ? { daemonAddress: endpoint.url, daemonToken: endpoint.token } : {};
// Obsidian's right sidebar opens at about 320 px: each pane is shot there too.
const related = "memem/memories/example-app/Use uv for Python installs.md";
const shots = [
    { type: "memem-review", file: "obsidian-review.png", width: 440 },
    { type: "memem-contradictions", file: "obsidian-contradictions.png", width: 760 },
    { type: "memem-related", file: "obsidian-related.png", width: 440, active: related },
    { type: "memem-review", file: "obsidian-review-320.png", width: 320 },
    { type: "memem-contradictions", file: "obsidian-contradictions-320.png", width: 320 },
    { type: "memem-related", file: "obsidian-related-320.png", width: 320, active: related },
];

mkdirSync(docs, { recursive: true });
const chrome = await chromium.launch({ executablePath: browser, args: ["--no-sandbox"] });
try {
    for (const shot of shots) {
        const page = await chrome.newPage({ viewport: { width: shot.width + 40, height: 900 }, deviceScaleFactor: 2 });
        await page.exposeFunction("mememBridge", bridge);
        await page.setContent(
            `<html><head><style>${css}</style></head><body class="theme-dark">` +
                `<div id="frame" style="width:${shot.width}px"><div id="pane"></div><div id="status"></div></div></body></html>`,
        );
        await page.addScriptTag({ path: join(plugin, "test/integration/dist/page.js") });
        await page.evaluate(([b, m, s, t, a]) => window.mememShow(b, m, s, t, a), [bundle, manifest, settings, shot.type, shot.active]);
        await page.waitForTimeout(1500);
        await page.locator("#frame").screenshot({ path: join(docs, shot.file) });
        console.log(`docs/${shot.file}${endpoint ? "" : " (daemon not running: related pane shows the vault-only view)"}`);
        await page.close();
    }
} finally {
    await chrome.close();
    if (daemon) {
        daemon.kill("SIGTERM");
        await new Promise((r) => daemon.once("exit", r));
    }
    rmSync(work, { recursive: true, force: true });
}
