/**
 * The review pane: consolidation's proposals first (a accepts, x rejects the focused one), then the
 * memories nobody has reviewed yet, newest first, filterable by project and kind.
 * Keyboard: ↑/↓ or j/k move, a approves, e or Enter opens, d deprecates, x or Delete rejects, u undoes.
 * Focus follows the list: after an action the next memory is selected and focused, so a person can
 * clear a queue key by key; while a modal is open it owns the keyboard.
 */

import { Menu } from "obsidian";
import type { IndexChange } from "../memory/memory-index";
import { type Memory, origin } from "../memory/memory";
import { type Proposal, proposalAction } from "../memory/proposals";
import { facets, GLOBAL, type ReviewFilter, reviewQueue } from "../memory/queues";
import { OutcomeUnknown } from "../daemon/client";
import { MemoryView } from "./memory-view";

export const REVIEW_VIEW = "memem-review";
/** Shown on a proposal whose decision got no answer in time, in place of Accept and Reject. */
export const UNSURE = "memem's daemon did not answer in time: this may have been carried out. Check again before deciding.";
const SHOWN = 200;

interface Card {
    memory: Memory;
    el: HTMLElement;
}

export class ReviewView extends MemoryView {
    private filter: ReviewFilter = {};
    private selectedPath?: string;
    private shown: Memory[] = [];
    private readonly cards = new Map<string, Card>();
    /** Acted on, not yet seen changed by the index: hidden so the next key reaches the next memory. */
    private readonly settling = new Set<string>();
    private list?: HTMLElement;
    private proposalsEl?: HTMLElement;
    /** Proposals decided here, hidden until the index sees their note change. */
    private readonly deciding = new Set<string>();
    /** Proposals whose decision got no answer in time: it may have been carried out, so they are not
     *  offered again until the daemon (Check again) or their note (the index) says how it went. */
    private readonly unsure = new Set<string>();
    private marked?: HTMLElement;
    /** The line after the cards: "nothing to review" or "and N more". */
    private tail?: HTMLElement;
    private headerEl?: HTMLElement;
    private notice?: string;

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

    /** The memory the keyboard acts on. */
    get selected(): Memory | undefined {
        return this.shown.find((m) => m.path === this.selectedPath) ?? this.shown[0];
    }

    async render(): Promise<void> {
        const memories = this.ctx.actions.memories();
        const { projects, kinds } = facets(memories);
        this.recoverFilter(projects, kinds);
        const queue = reviewQueue(memories, this.filter).filter((m) => !this.settling.has(m.path));
        this.shown = queue.slice(0, SHOWN);
        const root = this.content;
        root.addClass("memem-review");
        if (!this.headerEl) this.headerEl = root.createDiv({ cls: "memem-pane-header" });
        this.header(this.headerEl, queue.length, projects, kinds);

        if (!this.proposalsEl) this.proposalsEl = root.createDiv({ cls: "memem-proposals" });
        this.drawProposals(this.proposalsEl);
        if (!this.list) {
            this.list = root.createDiv({ cls: "memem-list", attr: { role: "listbox", "aria-label": "Memories to review" } });
        }
        const list = this.list;
        this.tail?.remove();
        this.tail = undefined;
        const keep = new Set(this.shown.map((m) => m.path));
        for (const [path, card] of this.cards) {
            if (!keep.has(path)) {
                card.el.remove();
                this.cards.delete(path);
            }
        }
        // Only cards whose memory changed are drawn again; the rest are moved into place, never rebuilt.
        let previous: HTMLElement | null = null;
        for (const memory of this.shown) {
            let card = this.cards.get(memory.path);
            if (card?.memory !== memory) {
                const el = this.card(memory);
                if (card) card.el.replaceWith(el);
                card = { memory, el };
                this.cards.set(memory.path, card);
            }
            const expected: Element | null = previous ? previous.nextElementSibling : list.firstElementChild;
            if (expected !== card.el) list.insertBefore(card.el, expected);
            previous = card.el;
        }
        if (queue.length === 0) {
            this.tail = list.createDiv({ cls: "memem-empty", text: "Nothing to review. New memories appear here as Claude learns them." });
        } else if (queue.length > SHOWN) {
            this.tail = list.createDiv({ cls: "memem-more", text: `and ${queue.length - SHOWN} more…` });
        }
        this.mark();
    }

    /** Consolidation's open proposals: what accepting does, the evidence, Accept and Reject. */
    private drawProposals(parent: HTMLElement): void {
        parent.empty();
        const open = this.ctx.actions.vault.proposals().filter((p) => !this.deciding.has(p.path));
        if (!open.length) return;
        parent.createEl("h5", { text: `Proposals (${open.length})` });
        for (const proposal of open) {
            const card = parent.createDiv({
                cls: "memem-card memem-proposal",
                attr: { tabindex: "0", "data-path": proposal.path, "data-key": proposal.key },
            });
            card.createDiv({ cls: "memem-card-title", text: proposalAction(proposal) });
            card.createDiv({ cls: "memem-card-meta", text: proposal.evidence });
            const buttons = card.createDiv({ cls: "memem-actions" });
            if (this.unsure.has(proposal.path)) {
                card.createDiv({ cls: "memem-note", text: UNSURE });
                this.button(buttons, "Check again", "Ask memem's daemon whether this proposal is still open", () => this.recheck(proposal), true);
                continue;
            }
            const settled = proposal.kind !== "review"; // a review is settled in the notes: only dismissed here
            if (settled) this.button(buttons, "Accept", "Accept (a): carry it out (memem undo reverts it)", () => this.decide(proposal, "accept"), true);
            this.button(buttons, settled ? "Reject" : "Dismiss", settled ? "Reject (x): never propose it again" : "Dismiss (x): settle it in the notes yourself", () => this.decide(proposal, "reject"), !settled);
            card.addEventListener("keydown", (event) => {
                const key = event.key;
                if (event.target !== card || !["a", "x", "Delete"].includes(key) || (key === "a" && !settled)) return;
                event.preventDefault();
                event.stopPropagation();
                void this.act(() => this.decide(proposal, key === "a" ? "accept" : "reject"));
            });
        }
    }

    /** The daemon decides (it acts through memem's operations and logs them); the card goes at once. */
    private async decide(proposal: Proposal, decision: "accept" | "reject"): Promise<void> {
        const next = this.proposalsEl?.querySelector<HTMLElement>(`[data-path="${CSS.escape(proposal.path)}"]`)?.nextElementSibling;
        this.deciding.add(proposal.path);
        await this.redraw();
        (next instanceof HTMLElement && next.dataset.path ? this.itemAt(next.dataset.path) : undefined)?.focus();
        try {
            await this.ctx.daemon.decide(proposal.key, decision);
        } catch (error) {
            this.deciding.delete(proposal.path);
            if (error instanceof OutcomeUnknown) this.unsure.add(proposal.path);
            await this.redraw();
            throw error;
        }
    }

    /** After a decision without an answer: the daemon says whether the proposal is still open. Still
     *  open, it is offered again; decided, it stays hidden until the index sees its note change. */
    private async recheck(proposal: Proposal): Promise<void> {
        const open = await this.ctx.daemon.openProposals();
        this.unsure.delete(proposal.path);
        if (!open.includes(proposal.key)) this.deciding.add(proposal.path);
        await this.redraw();
    }

    /** A filter whose last memory was just reviewed falls back to everything, and says so. */
    private recoverFilter(projects: string[], kinds: string[]): void {
        const gone: string[] = [];
        if (this.filter.project && !projects.includes(this.filter.project)) {
            gone.push(this.filter.project === GLOBAL ? "global memories" : `project ${this.filter.project}`);
            this.filter.project = undefined;
        }
        if (this.filter.kind && !kinds.includes(this.filter.kind)) {
            gone.push(`kind ${this.filter.kind}`);
            this.filter.kind = undefined;
        }
        this.notice = gone.length ? `Nothing left to review for ${gone.join(" and ")}; showing everything.` : undefined;
    }

    private header(header: HTMLElement, count: number, projects: string[], kinds: string[]): void {
        header.empty();
        header.createEl("h4", { text: `To review (${count})` });
        const filters = header.createDiv({ cls: "memem-filters" });
        this.dropdown(filters, "All projects", projects, this.filter.project, (project) => (this.filter.project = project));
        this.dropdown(filters, "All kinds", kinds, this.filter.kind, (kind) => (this.filter.kind = kind));
        if (this.notice) header.createDiv({ cls: "memem-note", text: this.notice });
    }

    private card(memory: Memory): HTMLElement {
        const card = createDiv({
            cls: "memem-card",
            attr: { role: "option", tabindex: "-1", "data-path": memory.path, "aria-selected": "false" },
        });
        card.addEventListener("focus", () => this.choose(memory.path, false));
        card.addEventListener("click", () => this.choose(memory.path));
        this.titleLink(card, memory);
        const meta = [memory.kind, memory.project ?? "global", origin(memory)].filter(Boolean);
        card.createDiv({ cls: "memem-card-meta", text: meta.join(" · ") });
        const text = card.createDiv({ cls: "memem-card-snippet" });
        void this.ctx.actions.vault.snippet(memory).then((s) => text.setText(s));

        const buttons = card.createDiv({ cls: "memem-actions" });
        this.button(buttons, "Approve", "Approve (a): keep it as it is", () => this.approve(memory), true);
        const more = buttons.createEl("button", {
            cls: "clickable-icon memem-more-actions",
            attr: { "aria-label": "More actions: edit, deprecate, reject" },
        });
        more.setText("⋯");
        more.addEventListener("click", (event) => {
            event.stopPropagation();
            this.menu(memory).showAtMouseEvent(event);
        });
        return card;
    }

    private menu(memory: Memory): Menu {
        const menu = new Menu();
        menu.addItem((item) =>
            item
                .setTitle("Edit")
                .setIcon("pencil")
                .onClick(() => void this.act(() => this.ctx.actions.open(memory))),
        );
        menu.addItem((item) =>
            item
                .setTitle("Deprecate…")
                .setIcon("archive")
                .onClick(() => void this.deprecate(memory)),
        );
        menu.addItem((item) =>
            item
                .setTitle("Reject: move to the trash")
                .setIcon("trash")
                .onClick(() => void this.reject(memory)),
        );
        return menu;
    }

    private dropdown(parent: HTMLElement, all: string, values: string[], current: string | undefined, set: (v?: string) => void) {
        const select = parent.createEl("select", { cls: "dropdown", attr: { "aria-label": all } });
        select.createEl("option", { text: all, value: "" });
        for (const value of values) select.createEl("option", { text: value === GLOBAL ? "Global" : value, value });
        select.value = current ?? "";
        select.addEventListener("change", () => {
            set(select.value || undefined);
            this.selectedPath = undefined;
            void this.redraw();
        });
    }

    /** Select (and focus) a card; the selection is a path, so it survives redraws and reordering. */
    private choose(path: string | undefined, focus = true): void {
        this.selectedPath = path;
        const card = this.mark();
        if (focus) card?.focus();
    }

    /** Show the selection: only the card that had it and the card that gets it are touched. */
    private mark(): HTMLElement | undefined {
        const chosen = this.selected ? this.cards.get(this.selected.path)?.el : undefined;
        if (this.marked && this.marked !== chosen) setSelected(this.marked, false);
        if (chosen) setSelected(chosen, true);
        this.marked = chosen;
        return chosen;
    }

    /** The memory the selection moves to when `memory` leaves the list: the next one, else the one before. */
    private successorOf(memory: Memory): string | undefined {
        const at = this.shown.findIndex((m) => m.path === memory.path);
        return (this.shown[at + 1] ?? this.shown[at - 1])?.path;
    }

    /** Approve, reject, deprecate: the memory leaves the list at once and focus moves to the next one. */
    private async leave(memory: Memory, action: () => Promise<unknown>, refocus: boolean): Promise<void> {
        const next = this.successorOf(memory);
        this.settling.add(memory.path);
        if (this.selectedPath === memory.path || !this.selectedPath) this.selectedPath = next;
        await this.redraw();
        if (refocus) this.choose(this.selectedPath);
        if (!(await this.act(action))) {
            this.settling.delete(memory.path);
            await this.redraw();
        }
    }

    private approve(memory: Memory): Promise<void> {
        return this.leave(memory, () => this.ctx.actions.approve(memory), this.hasFocus());
    }

    private reject(memory: Memory): Promise<void> {
        return this.leave(memory, () => this.ctx.actions.reject(memory), this.hasFocus());
    }

    /** Deprecating asks for a successor first; the list moves on only when the modal closed with a choice.
     *  The prompt and the edit run inside `act`: a note moved while the picker was open is a notice. */
    private async deprecate(memory: Memory): Promise<void> {
        const refocus = this.hasFocus();
        let deprecated = false;
        await this.act(async () => (deprecated = await this.ctx.deprecateWithPrompt(memory.path)));
        if (deprecated) await this.leave(memory, async () => deprecated, refocus);
        else if (refocus) this.choose(this.selectedPath);
    }

    /** The index saw the edit: the memory no longer needs hiding (it left the queue or it is back). */
    protected onIndexChange(change: IndexChange): void {
        for (const path of change.paths) {
            this.settling.delete(path);
            this.deciding.delete(path);
            this.unsure.delete(path);
        }
        super.onIndexChange(change);
    }

    private hasFocus(): boolean {
        return this.content.contains(activeDocument.activeElement);
    }

    private onKey(event: KeyboardEvent): void {
        // Keys typed into a control, or while a modal is up, are not review keys.
        const target = event.target as HTMLElement | null;
        if (target?.closest("button, select, input, textarea, a, .memem-proposal") || event.metaKey || event.ctrlKey || event.altKey) return;
        if (activeDocument.querySelector(".modal-container")) return;
        const memory = this.selected;
        const at = memory ? this.shown.indexOf(memory) : -1;
        const move = (to: number) => {
            event.preventDefault();
            this.choose(this.shown[Math.max(0, Math.min(to, this.shown.length - 1))]?.path);
        };
        switch (event.key) {
            case "ArrowDown":
            case "j":
                return move(at + 1);
            case "ArrowUp":
            case "k":
                return move(at - 1);
            case "u":
                event.preventDefault();
                void this.act(() => this.ctx.actions.undo());
                return;
        }
        if (!memory) return;
        const key = event.key;
        if (!["a", "e", "Enter", "d", "x", "Delete"].includes(key)) return;
        event.preventDefault();
        if (key === "a") void this.approve(memory);
        else if (key === "e" || key === "Enter") void this.act(() => this.ctx.actions.open(memory));
        else if (key === "d") void this.deprecate(memory);
        else void this.reject(memory);
    }
}

function setSelected(card: HTMLElement, on: boolean): void {
    card.toggleClass("is-selected", on);
    card.setAttr("aria-selected", String(on));
    card.setAttr("tabindex", on ? "0" : "-1");
}
