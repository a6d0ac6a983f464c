/** Deprecating a memory: pick its successor with a fuzzy search, or deprecate it with none. */

import { type App, FuzzySuggestModal } from "obsidian";
import type { Memory } from "../memory/memory";

const NONE = Symbol("no successor");
type Choice = Memory | typeof NONE;

/** What the person chose: deprecate with this successor (or none). */
export interface SuccessorChoice {
    successor?: Memory;
}

export class SuccessorModal extends FuzzySuggestModal<Choice> {
    private settle?: (choice: SuccessorChoice | null) => void;
    private chosen = false;

    constructor(
        app: App,
        private readonly memory: Memory,
        private readonly candidates: Memory[],
    ) {
        super(app);
        this.setPlaceholder(`Deprecate “${memory.title}”: which memory replaces it? (Esc cancels)`);
        this.setInstructions([
            { command: "↑↓", purpose: "choose" },
            { command: "↵", purpose: "deprecate" },
            { command: "esc", purpose: "cancel" },
        ]);
    }

    /** Open, and resolve once the modal is gone: the choice, or null when it was cancelled. */
    prompt(): Promise<SuccessorChoice | null> {
        return new Promise((resolve) => {
            this.settle = resolve;
            this.open();
        });
    }

    getItems(): Choice[] {
        return [NONE, ...this.candidates.filter((m) => m.path !== this.memory.path)];
    }

    getItemText(item: Choice): string {
        if (item === NONE) return "No successor: just deprecate it";
        return item.project ? `${item.title} (${item.project})` : item.title;
    }

    onChooseItem(item: Choice): void {
        this.chosen = true;
        this.settle?.({ successor: item === NONE ? undefined : item });
    }

    onClose(): void {
        super.onClose();
        // Obsidian closes a suggester before it reports the choice: wait a tick before calling it a cancel.
        window.setTimeout(() => {
            if (!this.chosen) this.settle?.(null);
        }, 0);
    }
}
