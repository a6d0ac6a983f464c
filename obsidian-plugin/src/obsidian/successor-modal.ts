/** Deprecating a memory: pick its successor with a fuzzy search, or deprecate it with none. */

import { type App, FuzzySuggestModal } from "obsidian";
import type { Memory } from "../memory/memory";

const NONE = Symbol("no successor");
type Choice = Memory | typeof NONE;

export class SuccessorModal extends FuzzySuggestModal<Choice> {
    constructor(
        app: App,
        private readonly memory: Memory,
        private readonly candidates: Memory[],
        private readonly done: (successor: Memory | undefined) => void,
    ) {
        super(app);
        this.setPlaceholder(`Deprecate “${memory.title}”: which memory replaces it? (Esc cancels)`);
        this.setInstructions([
            { command: "↑↓", purpose: "choose" },
            { command: "↵", purpose: "deprecate" },
            { command: "esc", purpose: "cancel" },
        ]);
    }

    getItems(): Choice[] {
        return [NONE, ...this.candidates.filter((m) => m.path !== this.memory.path)];
    }

    getItemText(item: Choice): string {
        if (item === NONE) return "No successor: just deprecate it";
        return item.project ? `${item.title} (${item.project})` : item.title;
    }

    onChooseItem(item: Choice): void {
        this.done(item === NONE ? undefined : item);
    }
}
