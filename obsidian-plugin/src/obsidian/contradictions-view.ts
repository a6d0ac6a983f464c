/**
 * The contradictions pane: open `contradicts` pairs side by side, each resolved in one click — keep left
 * (the right one is deprecated and superseded), keep right, keep both (recorded as `consistent_with`, so
 * it is not flagged again), or merge into a new note that supersedes both.
 */

import { TFile } from "obsidian";
import type { Memory } from "../memory/memory";
import { openContradictions } from "../memory/queues";
import { snippet } from "../memory/snippet";
import { MemoryView } from "./memory-view";

export const CONTRADICTIONS_VIEW = "memem-contradictions";

export class ContradictionsView extends MemoryView {
    getViewType(): string {
        return CONTRADICTIONS_VIEW;
    }

    getDisplayText(): string {
        return "Memory contradictions";
    }

    getIcon(): string {
        return "git-compare";
    }

    async render(): Promise<void> {
        const pairs = openContradictions(this.ctx.actions.memories());
        const root = this.content;
        root.empty();
        root.addClass("memem-contradictions");
        root.createDiv({ cls: "memem-pane-header" }).createEl("h4", { text: `Contradictions (${pairs.length})` });
        if (pairs.length === 0) {
            root.createDiv({ cls: "memem-empty", text: "No open contradictions. memem links them here when a new lesson disagrees with an old one." });
            return;
        }
        for (const { left, right } of pairs) {
            const pair = root.createDiv({ cls: "memem-pair", attr: { "data-left": left.path, "data-right": right.path } });
            const sides = pair.createDiv({ cls: "memem-pair-sides" });
            this.side(sides, left, "left");
            this.side(sides, right, "right");
            const buttons = pair.createDiv({ cls: "memem-actions" });
            const { actions } = this.ctx;
            this.button(buttons, "Keep left", "Keep the left memory; deprecate the right one", () => actions.keep(left, right));
            this.button(buttons, "Keep right", "Keep the right memory; deprecate the left one", () => actions.keep(right, left));
            this.button(buttons, "Keep both", "Both hold: stop flagging this pair", () => actions.keepBoth(left, right));
            this.button(buttons, "Merge", "Write one note that replaces both, and open it", async () => {
                const note = await actions.merge(left, right);
                if (note) await this.app.workspace.getLeaf(false).openFile(note);
            });
        }
    }

    private side(parent: HTMLElement, memory: Memory, which: string): void {
        const card = parent.createDiv({ cls: `memem-card memem-side-${which}` });
        const title = card.createDiv({ cls: "memem-card-title", text: memory.title });
        title.addEventListener("click", () => void this.act(() => this.ctx.actions.open(memory)));
        const meta = [memory.kind, memory.project ?? "global", memory.created, memory.reviewed ? "reviewed" : "unreviewed"];
        card.createDiv({ cls: "memem-card-meta", text: meta.filter(Boolean).join(" · ") });
        const text = card.createDiv({ cls: "memem-card-snippet" });
        const file = this.app.vault.getAbstractFileByPath(memory.path);
        if (file instanceof TFile) void this.app.vault.cachedRead(file).then((body) => text.setText(snippet(body, 400)));
    }
}
