/**
 * The contradictions pane: open `contradicts` pairs, each with the reason memem linked them and one
 * decision per pair — keep this one (on each side, so the choice still reads right when a narrow sidebar
 * stacks the two), both hold (recorded as `consistent_with`, never flagged again), or merge into a new
 * note that supersedes both.
 */

import { Menu } from "obsidian";
import type { IndexChange } from "../memory/memory-index";
import { type Memory, origin } from "../memory/memory";
import { type Contradiction, openContradictions } from "../memory/queues";
import { MemoryView } from "./memory-view";

export const CONTRADICTIONS_VIEW = "memem-contradictions";

export class ContradictionsView extends MemoryView {
    /** The paths of the memories on screen. */
    private readonly shownPaths = new Set<string>();
    /** The memories with `contradicts` or `consistent_with` links at the last draw. */
    private linkedPaths = new Set<string>();

    getViewType(): string {
        return CONTRADICTIONS_VIEW;
    }

    getDisplayText(): string {
        return "Memory contradictions";
    }

    getIcon(): string {
        return "git-compare";
    }

    /**
     * Pairs only change when a memory with `contradicts` or `consistent_with` links changes: one that has
     * them now, or had them at the last draw (dropping the last `consistent_with` reopens a pair).
     */
    protected concerns(change: IndexChange): boolean {
        const memories = this.ctx.actions.memories();
        return change.paths.some((path) => {
            const memory = memories.byPath(path);
            return !memory || this.shownPaths.has(path) || this.linkedPaths.has(path) || hasPairLinks(memory);
        });
    }

    async render(): Promise<void> {
        const memories = this.ctx.actions.memories();
        const pairs = openContradictions(memories);
        this.linkedPaths = new Set(memories.all().filter(hasPairLinks).map((m) => m.path));
        this.shownPaths.clear();
        const root = this.content;
        root.empty();
        root.addClass("memem-contradictions");
        root.createDiv({ cls: "memem-pane-header" }).createEl("h4", { text: `Contradictions (${pairs.length})` });
        if (pairs.length === 0) {
            root.createDiv({ cls: "memem-empty", text: "No open contradictions. memem links them here when a new lesson disagrees with an old one." });
            return;
        }
        for (const pair of pairs) this.pair(root, pair);
    }

    private pair(root: HTMLElement, { left, right }: Contradiction): void {
        this.shownPaths.add(left.path);
        this.shownPaths.add(right.path);
        const pair = root.createDiv({ cls: "memem-pair", attr: { "data-left": left.path, "data-right": right.path } });
        pair.createDiv({ cls: "memem-reason", text: reason(left, right) });
        const sides = pair.createDiv({ cls: "memem-pair-sides" });
        const { actions } = this.ctx;
        this.side(sides, left, "older", () => actions.keep(left, right));
        this.side(sides, right, "newer", () => actions.keep(right, left));
        const footer = pair.createDiv({ cls: "memem-actions" });
        this.button(footer, "Both hold", "Both are true (in different situations): stop flagging this pair", () => actions.keepBoth(left, right));
        const more = footer.createEl("button", { cls: "clickable-icon memem-more-actions", attr: { "aria-label": "More: merge into one note" } });
        more.setText("⋯");
        more.addEventListener("click", (event) => {
            event.stopPropagation();
            const menu = new Menu();
            menu.addItem((item) =>
                item
                    .setTitle("Merge into one note…")
                    .setIcon("git-merge")
                    .onClick(() => void this.act(() => this.merge(left, right))),
            );
            menu.showAtMouseEvent(event);
        });
    }

    /** Write one note from both, in their folder and unreviewed, and open it for the person to edit. */
    async merge(left: Memory, right: Memory): Promise<void> {
        const note = await this.ctx.actions.merge(left, right);
        if (note) await this.app.workspace.getLeaf(false).openFile(note);
    }

    private side(parent: HTMLElement, memory: Memory, age: string, keep: () => Promise<unknown>): void {
        const card = parent.createDiv({ cls: `memem-card memem-side memem-side-${age}`, attr: { "data-path": memory.path } });
        card.createDiv({ cls: "memem-side-label", text: age === "older" ? "Older" : "Newer" });
        this.titleLink(card, memory);
        const meta = [memory.kind, memory.project ?? "global", origin(memory), memory.reviewed ? "reviewed" : ""];
        card.createDiv({ cls: "memem-card-meta", text: meta.filter(Boolean).join(" · ") });
        const text = card.createDiv({ cls: "memem-card-snippet" });
        void this.ctx.actions.vault.snippet(memory, 400).then((s) => text.setText(s));
        this.button(card, "Keep this", `Keep “${memory.title}”; the other is deprecated and superseded by it`, keep);
    }
}

function hasPairLinks(memory: Memory): boolean {
    return memory.links.contradicts.length > 0 || memory.links.consistent_with.length > 0;
}

/** Why the two are shown together, in words: the miner's evidence when it left some. */
export function reason(left: Memory, right: Memory): string {
    const evidence = right.reason ?? left.reason;
    if (evidence) return `Why they disagree: ${evidence}`;
    return "Linked as contradicting each other; no reason was recorded.";
}
