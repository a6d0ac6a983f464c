/** The status bar: what the daemon is doing, in a few words, and why it is off when it is. */

import { describe, expect, it } from "vitest";
import { DaemonUnavailable, type DaemonStatus } from "../../src/daemon/client";
import { describeStatus, StatusBar } from "../../src/obsidian/status-bar";

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

describe("StatusBar", () => {
    const daemon = (status: () => Promise<DaemonStatus>) => ({ status });

    /** A daemon whose answers the test hands out one by one, in any order. */
    function waiting() {
        const calls: { answer: (status: DaemonStatus) => void; fail: (error: unknown) => void }[] = [];
        const status = () => new Promise<DaemonStatus>((answer, fail) => calls.push({ answer, fail }));
        return { calls, daemon: daemon(status) };
    }

    it("marks the item off with the reason, and clears the mark once the daemon answers", async () => {
        const el = createDiv();
        let answer: () => Promise<DaemonStatus> = async () => {
            throw new DaemonUnavailable("memem's daemon did not answer");
        };
        const bar = new StatusBar(el, daemon(() => answer()));
        await bar.refresh();
        expect(el.textContent).toBe("memem: daemon off");
        expect(el.classList.contains("memem-off")).toBe(true);
        expect(el.getAttribute("aria-label")).toBe("memem's daemon did not answer");
        expect(el.getAttribute("title")).toBe("memem's daemon did not answer");
        answer = async () => live;
        await bar.refresh();
        expect(el.textContent).toBe("memem: 12 memories · syncing 5");
        expect(el.classList.contains("memem-off")).toBe(false);
        expect(el.getAttribute("title")).toMatch(/^daemon pid 4321/);
    });

    it("shows a failure that is not an Error as text", async () => {
        const el = createDiv();
        await new StatusBar(el, daemon(() => Promise.reject("socket closed"))).refresh();
        expect(el.getAttribute("aria-label")).toBe("socket closed");
    });

    it("skips a tick while an answer is awaited, and ticks again once it came, or failed", async () => {
        const { calls, daemon: slow } = waiting();
        const bar = new StatusBar(createDiv(), slow);
        const first = bar.tick();
        await bar.tick();
        await bar.tick();
        expect(calls).toHaveLength(1);
        calls[0].answer(live);
        await first;
        const second = bar.tick();
        expect(calls).toHaveLength(2);
        calls[1].fail(new DaemonUnavailable("memem's daemon did not answer within 5 s"));
        await second;
        void bar.tick();
        expect(calls).toHaveLength(3);
    });

    it("still refreshes when asked to (a setting changed), and shows the newest request's answer whichever lands last", async () => {
        const el = createDiv();
        const { calls, daemon: slow } = waiting();
        const bar = new StatusBar(el, slow);
        const older = bar.tick();
        const newer = bar.refresh();
        expect(calls).toHaveLength(2);
        calls[1].answer({ ...live, notes: 7 });
        await newer;
        calls[0].answer(live); // the late answer to the older request
        await older;
        expect(el.textContent).toBe("memem: 7 memories · syncing 5");
        const failing = bar.refresh();
        const last = bar.refresh();
        calls[3].answer(live);
        await last;
        calls[2].fail(new DaemonUnavailable("gone"));
        await failing;
        expect(el.textContent).toBe("memem: 12 memories · syncing 5");
        expect(el.classList.contains("memem-off")).toBe(false);
    });
});
