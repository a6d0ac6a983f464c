/**
 * A side pane drawn from the memory index. It redraws only when it is visible and something it shows
 * changed (a pane hidden behind another tab catches up when it is shown again), debounced so a burst of
 * edits redraws once, and it keeps its scroll position and the focused item across redraws.
 */

import { debounce, ItemView, Keymap, Notice, type WorkspaceLeaf } from "obsidian";
import type { IndexChange } from "../memory/memory-index";
import type { Memory } from "../memory/memory";
import type { MememContext } from "./context";

export abstract class MemoryView extends ItemView {
    private dirty = false;
    /** Set once the pane is closed: a redraw asked for before (debounced, or waiting on the daemon) draws nothing. */
    protected closed = false;
    protected readonly requestRender = debounce(() => void this.redraw(), 150, true);

    constructor(
        leaf: WorkspaceLeaf,
        protected readonly ctx: MememContext,
    ) {
        super(leaf);
    }

    protected get content(): HTMLElement {
        return this.containerEl.children[1] as HTMLElement;
    }

    async onOpen(): Promise<void> {
        this.content.addClass("memem-pane");
        this.register(this.ctx.actions.vault.index.subscribe((change) => this.onIndexChange(change)));
        this.registerEvent(this.app.workspace.on("layout-change", () => this.catchUp()));
        this.registerEvent(this.app.workspace.on("active-leaf-change", () => this.catchUp()));
        await this.redraw();
    }

    onResize(): void {
        this.catchUp();
    }

    /** Shown again (a tab chosen, a sidebar opened, resized): draw what changed while hidden. */
    private catchUp(): void {
        if (this.dirty && this.isVisible()) this.requestRender();
    }

    async onClose(): Promise<void> {
        this.closed = true;
        this.requestRender.cancel();
        this.content.empty();
    }

    /** Whether a change concerns this pane; by default any memory change does. */
    protected concerns(_change: IndexChange): boolean {
        return true;
    }

    protected onIndexChange(change: IndexChange): void {
        if (this.concerns(change)) this.invalidate();
    }

    /** What the pane shows is out of date: redraw now if it can be seen, else when it is shown again. */
    protected invalidate(): void {
        this.dirty = true;
        if (this.isVisible()) this.requestRender();
    }

    protected isVisible(): boolean {
        return this.containerEl.isShown();
    }

    /** Draw, keeping where the person was: the scroll offset, and focus on the same item when it remains. */
    protected async redraw(): Promise<void> {
        if (this.closed) return;
        this.dirty = false;
        const scroll = this.content.scrollTop;
        const focused = this.content.contains(activeDocument.activeElement)
            ? (activeDocument.activeElement as HTMLElement | null)?.closest<HTMLElement>("[data-path]")?.dataset.path
            : undefined;
        await this.render();
        this.content.scrollTop = scroll;
        if (focused) this.itemAt(focused)?.focus();
    }

    /** The drawn item (card, pair, row) for a memory's path. */
    protected itemAt(path: string): HTMLElement | undefined {
        return Array.from(this.content.querySelectorAll<HTMLElement>("[data-path]")).find((el) => el.dataset.path === path);
    }

    /** Draw the pane from the index as it is now. */
    abstract render(): Promise<void>;

    /** Run an action: errors become a notice; the index's own change events redraw the pane. */
    protected async act(action: () => Promise<unknown>): Promise<boolean> {
        try {
            await action();
            return true;
        } catch (error) {
            showError(error);
            this.requestRender();
            return false;
        }
    }

    protected button(parent: HTMLElement, label: string, hint: string, onClick: () => Promise<unknown>, cta = false) {
        const button = parent.createEl("button", { text: label, attr: { "aria-label": hint } });
        if (cta) button.addClass("mod-cta");
        button.addEventListener("click", (event) => {
            event.stopPropagation();
            void this.act(onClick);
        });
        return button;
    }

    /**
     * A memory's title as an internal link, as Obsidian draws one: click opens it (Ctrl/Cmd-click in a new
     * tab), hovering with the modifier shows the page preview.
     */
    protected titleLink(parent: HTMLElement, memory: Pick<Memory, "path" | "title">, cls = "memem-card-title"): HTMLElement {
        const link = parent.createEl("a", {
            cls: `internal-link ${cls}`,
            text: memory.title,
            attr: { "data-href": memory.path, href: memory.path, tabindex: "-1" },
        });
        link.addEventListener("click", (event) => {
            event.preventDefault();
            event.stopPropagation();
            void this.app.workspace.openLinkText(memory.path, "", Keymap.isModEvent(event));
        });
        link.addEventListener("mouseover", (event) => {
            this.app.workspace.trigger("hover-link", {
                event,
                source: this.getViewType(),
                hoverParent: this,
                targetEl: link,
                linktext: memory.path,
            });
        });
        return link;
    }
}

/** An action's failure as a notice, prefixed "memem:" once: the panes, the command palette and the file
 *  menu all say it the same way, so no entry point fails without a word. */
export function showError(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    new Notice(message.startsWith("memem: ") ? message : `memem: ${message}`);
}
