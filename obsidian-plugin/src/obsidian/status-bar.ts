/** The status bar item: the daemon's state and counts, so the person can see memem is keeping up. */

import type { DaemonClient, DaemonStatus } from "../daemon/client";

export function describeStatus(status: DaemonStatus | null, error?: string): { text: string; title: string } {
    if (!status) return { text: "memem: daemon off", title: error ?? "memem's daemon is not running for this vault; run `memem serve`. Editing still works." };
    const bad = status.bad_notes.length;
    const pending = status.stale_vectors + status.daemon.pending_events;
    const parts = [`memem: ${status.notes} memories`];
    if (status.daemon.phase !== "watching") parts.push(status.daemon.phase);
    else if (pending > 0) parts.push(`syncing ${pending}`);
    if (bad > 0) parts.push(`${bad} bad`);
    return {
        text: parts.join(" · "),
        title: `daemon pid ${status.daemon.pid}, ${status.daemon.phase}; ${status.vectors} vectors (${status.embedder}); ${bad} notes memem cannot read`,
    };
}

/**
 * Keeps the item up to date. The interval's tick is skipped while an answer is still awaited, so a hung
 * daemon does not pile requests up; a refresh asked for on purpose (a setting changed) always goes, and
 * whichever answer lands last, only the newest request's is shown.
 */
export class StatusBar {
    private asked = 0;
    private waiting = 0;

    constructor(
        private readonly el: HTMLElement,
        private readonly daemon: Pick<DaemonClient, "status">,
    ) {}

    /** The interval's tick: nothing while an earlier request is unanswered. */
    async tick(): Promise<void> {
        if (this.waiting === 0) await this.refresh();
    }

    async refresh(): Promise<void> {
        const ask = ++this.asked;
        this.waiting += 1;
        let shown: { text: string; title: string };
        let off = false;
        try {
            shown = describeStatus(await this.daemon.status());
        } catch (error) {
            shown = describeStatus(null, error instanceof Error ? error.message : String(error));
            off = true;
        } finally {
            this.waiting -= 1;
        }
        if (ask !== this.asked) return; // a newer request was made meanwhile: its answer is the one to show
        this.el.toggleClass("memem-off", off);
        this.el.setText(shown.text);
        this.el.setAttr("aria-label", shown.title);
        this.el.setAttr("title", shown.title);
    }
}
