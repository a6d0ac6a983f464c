/** How the loaded plugin talks to the daemon: who gets the token and when, what a setting change does,
 *  and what a daemon that stops answering does to the status bar. */

import { afterEach, describe, expect, it } from "vitest";
import type { DaemonStatus } from "../../src/daemon/client";
import { loadPlugin, settle, TOKEN, unload } from "./plugin-harness";

afterEach(unload);

const STATUS: DaemonStatus = {
    notes: 12,
    vectors: 12,
    stale_vectors: 0,
    bad_notes: [],
    embedder: "memem-minilm-l6-v2",
    daemon: { pid: 4321, phase: "watching", pending_events: 0 },
};

const where = (sent: { url: string; headers: Record<string, string> }[]) =>
    sent.map((r) => `${new URL(r.url).port}${new URL(r.url).pathname} ${r.headers.Authorization ?? "(no token)"}`);

describe("the token", () => {
    it("is sent only after health answered, which is asked without it", async () => {
        const { app, sent } = await loadPlugin({ daemon: { "/v1/status": () => STATUS } });
        await settle();
        expect(where(sent)).toEqual(["7/v1/health (no token)", `7/v1/status Bearer ${TOKEN}`]);
        expect(app.statusBarEl.textContent).toBe("memem: 12 memories");
    });
});

describe("a changed setting", () => {
    it("counts from the next request: a new address is checked and used at once, not after the trust runs out", async () => {
        const { plugin, sent } = await loadPlugin({ daemon: { "/v1/status": () => STATUS } });
        await settle();
        sent.length = 0;
        plugin.settings.daemonAddress = "http://127.0.0.1:8";
        await plugin.saveSettings();
        await settle();
        expect(where(sent)).toEqual(["8/v1/health (no token)", `8/v1/status Bearer ${TOKEN}`]);
    });

    it("and so does a new token", async () => {
        const { app, plugin, sent } = await loadPlugin({ daemon: { "/v1/status": () => STATUS } });
        await settle();
        sent.length = 0;
        plugin.settings.daemonToken = "a-new-token";
        await plugin.saveSettings();
        await settle();
        expect(where(sent)).toEqual(["7/v1/health (no token)", "7/v1/status Bearer a-new-token"]);
        expect(app.statusBarEl.querySelector(".memem-status")?.getAttribute("title")).toBe("memem's daemon refused the token (check the token in settings)");
    });
});

describe("a daemon that stops answering", () => {
    it("reads as off after 5 s, and the status bar does not pile requests up behind it", async () => {
        const { app, requests } = await loadPlugin({
            data: { statusSeconds: 2 },
            daemon: { "/v1/status": () => new Promise(() => undefined) },
        });
        expect(app.statusBarEl.textContent).toBe("memem: …");
        await settle(4_900);
        expect(app.statusBarEl.textContent).toBe("memem: …"); // still waiting: ticks at 2 and 4 s asked nothing
        await settle(200);
        expect(app.statusBarEl.textContent).toBe("memem: daemon off");
        expect(app.statusBarEl.querySelector(".memem-status")?.getAttribute("title")).toBe("memem's daemon did not answer within 5 s");
        await settle(6_900); // to 12 s: asked again at 6 s (timed out at 11 s) and at 12 s
        expect(requests.filter((r) => r.path === "/v1/status")).toHaveLength(3);
    });
});
