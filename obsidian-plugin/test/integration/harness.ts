/**
 * Runs the real built plugin (`main.js`) in Node against an app backed by a real vault folder, and
 * drives it the way a person would: clicking the panes' buttons and picking from the suggester.
 * Used by tests/plugin (with memem's daemon watching the same folder) and by the screenshot script.
 *
 *   node harness.cjs <vault> <memem dir> '<steps as JSON>'   → one JSON result per step on stdout
 */

import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { Window } from "happy-dom";
import { installDomHelpers } from "../shim/dom";
import * as obsidian from "../shim/obsidian";

export type Step =
    | { do: "approve" | "reject"; path: string }
    | { do: "deprecate"; path: string; successor?: string }
    | { do: "resolve"; left: string; right: string; how: "Keep older" | "Keep newer" | "Both hold" | "Merge" }
    | { do: "undo" }
    | { do: "related"; path: string }
    | { do: "status" }
    | { do: "panes" };

export function installDom(): Window {
    const window = new Window({ url: "app://obsidian.md" });
    const g = globalThis as Record<string, unknown>;
    for (const name of ["window", "document", "HTMLElement", "HTMLSelectElement", "HTMLInputElement", "KeyboardEvent", "MouseEvent", "Event"]) {
        g[name] = name === "window" ? window : (window as unknown as Record<string, unknown>)[name];
    }
    installDomHelpers(window as unknown as { HTMLElement: typeof HTMLElement; document: Document });
    return window;
}

/** A vault folder on disk, written the way Obsidian writes (in place), trash in `.trash/`. */
export function folderStorage(root: string): obsidian.VaultStorage {
    const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((name) => {
            if (name.startsWith(".")) return [];
            const full = join(dir, name);
            return statSync(full).isDirectory() ? walk(full) : [full];
        });
    const stored = (path: string) => {
        const stat = statSync(join(root, path));
        return { path, mtime: stat.mtimeMs, size: stat.size };
    };
    return {
        basePath: root,
        async list() {
            return walk(root).map((full) => stored(relative(root, full).split("\\").join("/")));
        },
        async read(path) {
            return readFileSync(join(root, path), "utf8");
        },
        async write(path, data) {
            mkdirSync(dirname(join(root, path)), { recursive: true });
            writeFileSync(join(root, path), data, "utf8");
            return stored(path);
        },
        async trash(path) {
            mkdirSync(join(root, ".trash"), { recursive: true });
            renameSync(join(root, path), join(root, ".trash", path.split("/").pop() ?? path));
        },
        async move(from, to) {
            mkdirSync(dirname(join(root, to)), { recursive: true });
            renameSync(join(root, from), join(root, to));
            return stored(to);
        },
    };
}

interface LoadedPlugin {
    app: obsidian.App;
    plugin: {
        onload(): Promise<void>;
        openView(type: string): Promise<obsidian.WorkspaceLeaf | null>;
        refreshStatus(): Promise<void>;
        saveData(data: unknown): Promise<void>;
    };
}

/** Evaluate the real bundle with `require("obsidian")` answered by the shim, as Obsidian's loader does. */
export async function loadPlugin(bundle: string, storage: obsidian.VaultStorage, settings: object): Promise<LoadedPlugin> {
    const app = new obsidian.App(storage);
    await app.vault.load();
    const nodeRequire = createRequire(__filename);
    const module = { exports: {} as Record<string, unknown> };
    // As on mobile (MEMEM_HARNESS_MOBILE=1): no Node module can be loaded and the adapter has no path.
    const mobile = process.env.MEMEM_HARNESS_MOBILE === "1";
    if (mobile) {
        Object.assign(obsidian.Platform, { isDesktop: false, isDesktopApp: false, isMobile: true, isMobileApp: true });
        app.vault.adapter = {};
    }
    const requireShim = (name: string) => {
        if (name === "obsidian") return obsidian;
        if (mobile) throw new Error(`Cannot find module '${name}' (mobile has no Node modules)`);
        return nodeRequire(name);
    };
    new Function("require", "module", "exports", readFileSync(bundle, "utf8"))(requireShim, module, module.exports);
    const PluginClass = (module.exports.default ?? module.exports) as new (app: unknown, manifest: unknown) => LoadedPlugin["plugin"];
    const plugin = new PluginClass(app, JSON.parse(readFileSync(join(dirname(bundle), "manifest.json"), "utf8")));
    await plugin.saveData(settings);
    await plugin.onload();
    return { app, plugin };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function button(root: ParentNode, label: string): HTMLButtonElement {
    const found = [...root.querySelectorAll("button")].find((b) => b.textContent === label);
    if (!found) throw new Error(`no button ${label}`);
    return found as HTMLButtonElement;
}

export async function run(loaded: LoadedPlugin, step: Step): Promise<unknown> {
    const { app, plugin } = loaded;
    const view = async (type: string) => {
        const leaf = (await plugin.openView(type)) as obsidian.WorkspaceLeaf;
        await pause(350);
        return leaf.view!.containerEl;
    };
    const file = (path: string) => {
        const f = app.vault.getFileByPath(path);
        if (!f) throw new Error(`no note ${path}`);
        return f;
    };
    switch (step.do) {
        case "approve":
        case "reject": {
            const pane = await view("memem-review");
            const card = [...pane.querySelectorAll(".memem-card")].find((c) => c.getAttribute("data-path") === step.path);
            if (!card) throw new Error(`${step.path} is not in the review pane`);
            if (step.do === "approve") button(card, "Approve").click();
            else {
                (card.querySelector(".memem-more-actions") as HTMLElement).click();
                (obsidian.menus.at(-1) as obsidian.Menu).pick("Reject");
            }
            break;
        }
        case "deprecate": {
            app.workspace.setActiveFile(file(step.path));
            const pane = await view("memem-related");
            await pause(350);
            button(pane, "Deprecate").click();
            await pause(50);
            const modal = obsidian.openModals.at(-1) as obsidian.FuzzySuggestModal<unknown>;
            modal.choose(step.successor ?? "No successor");
            break;
        }
        case "resolve": {
            const pane = await view("memem-contradictions");
            const pairs = [...pane.querySelectorAll(".memem-pair")];
            const pair = pairs.find((p) => p.getAttribute("data-left") === step.left && p.getAttribute("data-right") === step.right);
            if (!pair) throw new Error(`no open contradiction ${step.left} ↔ ${step.right}`);
            if (step.how === "Keep older" || step.how === "Keep newer") {
                button(pair.querySelector(step.how === "Keep older" ? ".memem-side-older" : ".memem-side-newer")!, "Keep this").click();
            } else if (step.how === "Both hold") button(pair, "Both hold").click();
            else {
                (pair.querySelector(".memem-more-actions") as HTMLElement).click();
                (obsidian.menus.at(-1) as obsidian.Menu).pick("Merge");
            }
            break;
        }
        case "undo": {
            await (plugin as unknown as { actions: { undo(): Promise<boolean> } }).actions.undo();
            break;
        }
        case "related": {
            app.workspace.setActiveFile(file(step.path));
            const pane = await view("memem-related");
            await pause(1500);
            return {
                linked: [...pane.querySelectorAll(".memem-links li")].map((li) => li.textContent),
                similar: [...pane.querySelectorAll(".memem-hit .memem-link")].map((e) => e.textContent),
                scores: [...pane.querySelectorAll(".memem-hit .memem-card-meta")].map((e) => e.textContent),
                notes: [...pane.querySelectorAll(".memem-note")].map((e) => e.textContent),
            };
        }
        case "status":
            await plugin.refreshStatus();
            return app.statusBarEl.textContent;
        case "panes":
            return {
                review: (await view("memem-review")).querySelector("h4")?.textContent,
                contradictions: (await view("memem-contradictions")).querySelector("h4")?.textContent,
            };
    }
    await pause(400);
    return obsidian.notices.at(-1);
}

async function main(): Promise<void> {
    const [vault, memDir, steps] = process.argv.slice(2);
    if (!vault || !memDir || !steps) throw new Error("usage: node harness.cjs <vault> <memem dir> '<steps as JSON>'");
    installDom();
    // dist/harness.cjs sits three folders below the plugin root, where `npm run build` writes main.js
    const bundle = resolve(process.env.MEMEM_PLUGIN_BUNDLE ?? resolve(__dirname, "..", "..", "..", "main.js"));
    const loaded = await loadPlugin(bundle, folderStorage(resolve(vault)), { memDir });
    const results: unknown[] = [];
    for (const step of JSON.parse(steps) as Step[]) {
        try {
            results.push({ step, ok: true, result: await run(loaded, step) });
        } catch (error) {
            results.push({ step, ok: false, error: String(error) });
        }
    }
    process.stdout.write(`${JSON.stringify(results)}\n`);
    process.exit(0);
}

// Run as the harness (not when bundled into the benchmark, which imports it).
if (require.main === module && /harness\.cjs$/.test(process.argv[1] ?? "")) void main();
