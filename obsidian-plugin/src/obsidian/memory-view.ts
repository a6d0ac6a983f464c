/**
 * A side pane that redraws itself when the memories change on disk (an edit in Obsidian, a note the
 * miner wrote, a sync from another device), debounced so a burst of edits redraws once.
 */

import { debounce, ItemView, Notice, type WorkspaceLeaf } from "obsidian";
import type { MememContext } from "./context";
import { inFolder } from "./vault-memories";

export abstract class MemoryView extends ItemView {
    protected readonly requestRender = debounce(() => void this.render(), 250, true);

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
        const relevant = (path: string) => inFolder(path, this.ctx.settings().memoriesFolder);
        this.registerEvent(this.app.metadataCache.on("changed", (file) => relevant(file.path) && this.requestRender()));
        this.registerEvent(this.app.vault.on("delete", (file) => relevant(file.path) && this.requestRender()));
        this.registerEvent(
            this.app.vault.on("rename", (file, old) => (relevant(file.path) || relevant(old)) && this.requestRender()),
        );
        await this.render();
    }

    async onClose(): Promise<void> {
        this.content.empty();
    }

    /** Draw the pane from the vault as it is now. */
    abstract render(): Promise<void>;

    /** Run an action from a button: errors become a notice, and the pane redraws either way. */
    protected async act(action: () => Promise<unknown>): Promise<void> {
        try {
            await action();
        } catch (error) {
            new Notice(`memem: ${error instanceof Error ? error.message : String(error)}`);
        }
        this.requestRender();
    }

    protected button(parent: HTMLElement, label: string, hint: string, onClick: () => Promise<unknown>, cta = false) {
        const button = parent.createEl("button", { text: label, attr: { "aria-label": hint, title: hint } });
        if (cta) button.addClass("mod-cta");
        button.addEventListener("click", (event) => {
            event.stopPropagation();
            void this.act(onClick);
        });
        return button;
    }
}
