/**
 * The harness in a browser page, for screenshots: the real main.js and its real DOM in Chromium, the
 * vault and the daemon reached through a bridge the screenshot script exposes from Node.
 */

import { installDomHelpers } from "../shim/dom";
import * as obsidian from "../shim/obsidian";

type Bridge = (op: string, ...args: unknown[]) => Promise<unknown>;
const w = window as unknown as { mememBridge: Bridge; mememShow: typeof show };

installDomHelpers(window as unknown as { HTMLElement: typeof HTMLElement; document: Document });

const storage: obsidian.VaultStorage = {
    list: () => w.mememBridge("list") as Promise<obsidian.StoredFile[]>,
    read: (path) => w.mememBridge("read", path) as Promise<string>,
    write: (path, data) => w.mememBridge("write", path, data) as Promise<obsidian.StoredFile>,
    trash: (path) => w.mememBridge("trash", path) as Promise<void>,
    move: (from, to) => w.mememBridge("move", from, to) as Promise<obsidian.StoredFile>,
};
obsidian.network.request = (request) => w.mememBridge("fetch", request) as Promise<{ status: number; text: string }>;

/** Load the plugin, open one pane (with `active` as the open note), and put it on the page. */
async function show(bundle: string, manifest: object, settings: object, type: string, active?: string): Promise<void> {
    const app = new obsidian.App(storage);
    await app.vault.load();
    const module = { exports: {} as Record<string, unknown> };
    const require = (name: string) => {
        if (name === "obsidian") return obsidian;
        throw new Error(`${name} is not available in the page`);
    };
    new Function("require", "module", "exports", bundle)(require, module, module.exports);
    const Plugin = (module.exports.default ?? module.exports) as new (app: unknown, manifest: unknown) => {
        saveData(data: unknown): Promise<void>;
        onload(): Promise<void>;
        openView(type: string): Promise<unknown>;
        refreshStatus(): Promise<void>;
    };
    const plugin = new Plugin(app, manifest);
    await plugin.saveData(settings);
    await plugin.onload();
    if (active) app.workspace.setActiveFile(app.vault.getFileByPath(active));
    await plugin.openView(type);
    await plugin.refreshStatus();
    const frame = document.getElementById("pane") as HTMLElement;
    frame.appendChild(app.workspace.containerEl);
    (document.getElementById("status") as HTMLElement).appendChild(app.statusBarEl);
}

w.mememShow = show;
