/** The status bar: what the daemon is doing, in a few words, and why it is off when it is. */

import { describe, expect, it } from "vitest";
import { DaemonUnavailable, type DaemonClient, type DaemonStatus } from "../../src/daemon/client";
import { describeStatus, refreshStatus } from "../../src/obsidian/status-bar";

const live: DaemonStatus = {
    notes: 12,
    vectors: 11,
    stale_vectors: 3,
    bad_notes: [],
    embedder: "memem-minilm-l6-v2",
    daemon: { pid: 4321, phase: "watching", pending_events: 2 },
};

describe("describeStatus", () => {
    it("counts what is still to sync: stale vectors and pending events together", () => {
        expect(describeStatus(live).text).toBe("memem: 12 memories · syncing 5");
        expect(describeStatus({ ...live, stale_vectors: 0, daemon: { ...live.daemon, pending_events: 0 } }).text).toBe("memem: 12 memories");
    });

    it("says what the daemon is busy with instead, while it is not watching", () => {
        expect(describeStatus({ ...live, daemon: { ...live.daemon, phase: "indexing" } }).text).toBe("memem: 12 memories · indexing");
    });

    it("explains the counts on hover", () => {
        expect(describeStatus({ ...live, bad_notes: [{}, {}] }).title).toBe(
            "daemon pid 4321, watching; 11 vectors (memem-minilm-l6-v2); 2 notes memem cannot read",
        );
    });

    it("says how to start the daemon, or why it could not be reached", () => {
        expect(describeStatus(null)).toEqual({
            text: "memem: daemon off",
            title: "memem's daemon is not running for this vault; run `memem serve`. Editing still works.",
        });
        expect(describeStatus(null, "refused the token").title).toBe("refused the token");
    });
});

describe("refreshStatus", () => {
    const daemon = (status: () => Promise<DaemonStatus>) => ({ status }) as unknown as DaemonClient;

    it("marks the item off with the reason, and clears the mark once the daemon answers", async () => {
        const el = createDiv();
        await refreshStatus(
            el,
            daemon(async () => {
                throw new DaemonUnavailable("memem's daemon did not answer");
            }),
        );
        expect(el.textContent).toBe("memem: daemon off");
        expect(el.classList.contains("memem-off")).toBe(true);
        expect(el.getAttribute("aria-label")).toBe("memem's daemon did not answer");
        expect(el.getAttribute("title")).toBe("memem's daemon did not answer");
        await refreshStatus(
            el,
            daemon(async () => live),
        );
        expect(el.textContent).toBe("memem: 12 memories · syncing 5");
        expect(el.classList.contains("memem-off")).toBe(false);
        expect(el.getAttribute("title")).toMatch(/^daemon pid 4321/);
    });

    it("shows a failure that is not an Error as text", async () => {
        const el = createDiv();
        await refreshStatus(
            el,
            daemon(() => Promise.reject("socket closed")),
        );
        expect(el.getAttribute("aria-label")).toBe("socket closed");
    });
});
