/**
 * The review pane: memories nobody has reviewed yet, newest first, filterable by project and kind.
 * Keyboard: ↑/↓ or j/k move, a approves, e or Enter opens, d deprecates, x or Delete rejects.
 */

import { TFile } from "obsidian";
import type { Memory } from "../memory/memory";
import { facets, GLOBAL, type ReviewFilter, reviewQueue } from "../memory/queues";
import { snippet } from "../memory/snippet";
import { MemoryView } from "./memory-view";

export const REVIEW_VIEW = "memem-review";
const SHOWN = 200;

export class ReviewView extends MemoryView {
    private filter: ReviewFilter = {};
    private selected = 0;
    private shown: Memory[] = [];

    getViewType(): string {
        return REVIEW_VIEW;
    }

    getDisplayText(): string {
        return "Memories to review";
    }

    getIcon(): string {
        return "inbox";
    }

    async onOpen(): Promise<void> {
        this.content.addEventListener("keydown", (event) => this.onKey(event));
        await super.onOpen();
    }

    async render(): Promise<void> {
        const memories = this.ctx.actions.memories();
        const queue = reviewQueue(memories, this.filter);
        this.shown = queue.slice(0, SHOWN);
        const root = this.content;
        root.empty();
        root.addClass("memem-review");

        const header = root.createDiv({ cls: "memem-pane-header" });
        header.createEl("h4", { text: `To review (${queue.length})` });
        const { projects, kinds } = facets(memories);
        this.select(header, "All projects", projects, this.filter.project, (project) => (this.filter.project = project));
        this.select(header, "All kinds", kinds, this.filter.kind, (kind) => (this.filter.kind = kind));

        if (queue.length === 0) {
            root.createDiv({ cls: "memem-empty", text: "Nothing to review. New memories appear here as Claude learns them." });
            return;
        }
        const list = root.createDiv({ cls: "memem-list", attr: { role: "listbox", "aria-label": "Memories to review" } });
        this.selected = Math.min(this.selected, this.shown.length - 1);
        this.shown.forEach((memory, index) => this.card(list, memory, index));
        if (queue.length > SHOWN) list.createDiv({ cls: "memem-more", text: `and ${queue.length - SHOWN} more…` });
    }

    private card(list: HTMLElement, memory: Memory, index: number): void {
        const card = list.createDiv({
            cls: "memem-card",
            attr: { role: "option", tabindex: "0", "data-path": memory.path, "aria-selected": String(index === this.selected) },
        });
        if (index === this.selected) card.addClass("is-selected");
        card.addEventListener("focus", () => this.choose(index, false));
        const title = card.createDiv({ cls: "memem-card-title", text: memory.title });
        title.addEventListener("click", () => void this.act(() => this.ctx.actions.open(memory)));
        const meta = [memory.kind, memory.project ?? "global", memory.created, session(memory)].filter(Boolean);
        card.createDiv({ cls: "memem-card-meta", text: meta.join(" · ") });
        const text = card.createDiv({ cls: "memem-card-snippet" });
        const file = this.app.vault.getAbstractFileByPath(memory.path);
        if (file instanceof TFile) void this.app.vault.cachedRead(file).then((body) => text.setText(snippet(body)));

        const buttons = card.createDiv({ cls: "memem-actions" });
        this.button(buttons, "Approve", "Approve (a): mark reviewed", () => this.ctx.actions.approve(memory), true);
        this.button(buttons, "Edit", "Edit (e): open the note", () => this.ctx.actions.open(memory));
        this.button(buttons, "Deprecate", "Deprecate (d), optionally naming its successor", async () =>
            this.ctx.deprecateWithPrompt(memory.path),
        );
        this.button(buttons, "Reject", "Reject (x): move to the trash", () => this.ctx.actions.reject(memory)).addClass(
            "mod-warning",
        );
    }

    private select(parent: HTMLElement, all: string, values: string[], current: string | undefined, set: (v?: string) => void) {
        const select = parent.createEl("select", { cls: "dropdown", attr: { "aria-label": all } });
        select.createEl("option", { text: all, value: "" });
        for (const value of values) select.createEl("option", { text: value === GLOBAL ? "Global" : value, value });
        select.value = current ?? "";
        select.addEventListener("change", () => {
            set(select.value || undefined);
            this.selected = 0;
            void this.render();
        });
    }

    private choose(index: number, focus = true): void {
        const cards = Array.from(this.content.querySelectorAll<HTMLElement>(".memem-card"));
        if (cards.length === 0) return;
        this.selected = Math.max(0, Math.min(index, cards.length - 1));
        cards.forEach((card, i) => {
            card.toggleClass("is-selected", i === this.selected);
            card.setAttr("aria-selected", String(i === this.selected));
        });
        if (focus) cards[this.selected].focus();
    }

    private onKey(event: KeyboardEvent): void {
        if (event.target instanceof HTMLSelectElement || event.metaKey || event.ctrlKey || event.altKey) return;
        const memory = this.shown[this.selected];
        const run = (action: () => Promise<unknown>) => {
            event.preventDefault();
            void this.act(action).then(() => this.choose(this.selected));
        };
        switch (event.key) {
            case "ArrowDown":
            case "j":
                event.preventDefault();
                return this.choose(this.selected + 1);
            case "ArrowUp":
            case "k":
                event.preventDefault();
                return this.choose(this.selected - 1);
        }
        if (!memory) return;
        if (event.key === "a") run(() => this.ctx.actions.approve(memory));
        else if (event.key === "e" || event.key === "Enter") run(() => this.ctx.actions.open(memory));
        else if (event.key === "d") run(async () => this.ctx.deprecateWithPrompt(memory.path));
        else if (event.key === "x" || event.key === "Delete") run(() => this.ctx.actions.reject(memory));
    }
}

function session(memory: Memory): string | undefined {
    if (!memory.sourceSession) return memory.sourceType;
    return `session ${memory.sourceSession.slice(0, 8)}`;
}
