/**
 * The plugin loaded whole on the Obsidian stand-in, for the pane tests: a vault of real notes, a daemon
 * that answers (or not) at the `requestUrl` edge, and timers under the test's control so a debounced
 * redraw or a parse "a task later" happens when the test says, not after a real wait.
 */

import { vi } from "vitest";
import MememPlugin from "../../src/main";
import { App, memoryStorage, network, openModals, type TFile } from "../shim/obsidian";
import { MINED_PAIR, templateFiles } from "../fixtures";

export const OLDER = "memem/memories/Tests run with pytest -x.md";
export const NEWER = "memem/memories/Tests run without -x.md";
export const UV = "memem/memories/example-app/Use uv for Python installs.md";
export const PIP_TOOLS = "memem/memories/example-app/Lock dependencies with pip-tools.md";
export const SLOW_CI = "memem/memories/example-app/CI installs were slow with pip.md";
export const PYTEST = "memem/memories/example-app/Run tests with pytest -x before pushing.md";
export const FULL_SUITE = "memem/memories/example-app/CI runs the full suite without -x.md";

/** What the daemon answers, by API path; a handler may throw to answer with an HTTP error. */
export type Routes = Record<string, (body: Record<string, unknown>) => unknown | Promise<unknown>>;

export class HttpError extends Error {
    constructor(
        readonly status: number,
        message: string,
    ) {
        super(message);
    }
}

export interface Loaded {
    app: App;
    plugin: MememPlugin;
    storage: ReturnType<typeof memoryStorage>;
    /** Each request the daemon received: its path and JSON body. */
    requests: { path: string; body: Record<string, unknown> }[];
    /** Each request sent anywhere, health probes included: where it went and with which headers. */
    sent: { url: string; headers: Record<string, string> }[];
}

/** The token the device store holds in these tests; the fake daemon asks for it as memem's does. */
export const TOKEN = "test-token";

const realRequest = network.request;

/**
 * Load the plugin on the starter vault plus `files`. The settings name a daemon on loopback (so nothing
 * is looked up on this machine's disk); with `daemon`, requests go to those routes (health always
 * answers, to anyone; every other route wants the token, as memem's token guard does), without, the
 * connection is refused, as when no daemon runs.
 */
export async function loadPlugin(options: { files?: Record<string, string>; daemon?: Routes; data?: object } = {}): Promise<Loaded> {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    document.body.innerHTML = "";
    openModals.splice(0);
    const requests: Loaded["requests"] = [];
    const sent: Loaded["sent"] = [];
    const routes: Routes = { "/v1/health": () => ({ ok: true }), ...options.daemon };
    network.request = async (r) => {
        sent.push({ url: r.url, headers: { ...r.headers } });
        if (!options.daemon) throw new Error("connection refused");
        const path = new URL(r.url).pathname;
        if (path !== "/v1/health" && r.headers?.Authorization !== `Bearer ${TOKEN}`) {
            return { status: 401, text: JSON.stringify({ error: "missing or wrong token" }) };
        }
        const body = (r.body ? JSON.parse(r.body) : {}) as Record<string, unknown>;
        requests.push({ path, body });
        const route = routes[path];
        if (!route) return { status: 404, text: JSON.stringify({ error: `no route ${path}` }) };
        try {
            return { status: 200, text: JSON.stringify(await route(body)) };
        } catch (error) {
            const status = error instanceof HttpError ? error.status : 500;
            return { status, text: JSON.stringify({ error: error instanceof Error ? error.message : String(error) }) };
        }
    };
    const storage = memoryStorage({ ...templateFiles(), ...MINED_PAIR, ...options.files });
    const app = new App(storage);
    app.saveLocalStorage("memem-daemonAddress", "http://127.0.0.1:7");
    app.secretStorage.setSecret("memem-daemon-token", TOKEN);
    await app.vault.load();
    const plugin = new MememPlugin(app as never, { id: "memem", version: "0.2.0" } as never);
    if (options.data) await plugin.saveData(options.data); // what data.json holds
    await plugin.onload();
    return { app, plugin, storage, requests, sent };
}

/** Put the real timers and network back: call from `afterEach`. */
export function unload(): void {
    vi.useRealTimers();
    network.request = realRequest;
}

/** Let pending work run: parses of writes, debounced redraws, answers from the daemon. */
export async function settle(ms = 300): Promise<void> {
    await vi.advanceTimersByTimeAsync(ms);
}

export async function openPane(plugin: MememPlugin, type: string): Promise<HTMLElement> {
    const leaf = (await plugin.openView(type)) as unknown as { view: { containerEl: HTMLElement } };
    await settle(0);
    return leaf.view.containerEl;
}

export function openNote(app: App, path: string): void {
    app.workspace.setActiveFile(app.vault.getFileByPath(path) as TFile);
}

export const texts = (root: ParentNode, selector: string) => [...root.querySelectorAll(selector)].map((el) => el.textContent);
