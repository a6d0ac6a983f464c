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

export async function refreshStatus(el: HTMLElement, daemon: DaemonClient): Promise<void> {
    let shown: { text: string; title: string };
    try {
        shown = describeStatus(await daemon.status());
        el.removeClass("memem-off");
    } catch (error) {
        shown = describeStatus(null, error instanceof Error ? error.message : String(error));
        el.addClass("memem-off");
    }
    el.setText(shown.text);
    el.setAttr("aria-label", shown.title);
    el.setAttr("title", shown.title);
}
