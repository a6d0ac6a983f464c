/** The successor picker the deprecate flow opens: what it offers, and what it resolves to. */

import { beforeEach, describe, expect, it } from "vitest";
import { memoryFromFrontmatter, type Memory } from "../../src/memory/memory";
import { type SuccessorChoice, SuccessorModal } from "../../src/obsidian/successor-modal";
import { App, type FuzzySuggestModal, memoryStorage, openModals } from "../shim/obsidian";

const memory = (title: string, project?: string) => memoryFromFrontmatter(`m/${title}.md`, { id: title, title, project }) as Memory;
const old = memory("Lock with pip-tools", "app");
const uv = memory("Use uv", "app");
const small = memory("Keep memories small");

let modal: SuccessorModal;
beforeEach(() => {
    openModals.splice(0);
    modal = new SuccessorModal(new App(memoryStorage({})) as never, old, [old, uv, small]);
});

const shown = () => openModals.at(-1) as FuzzySuggestModal<unknown>;
/** The prompt's answer, or "still open" when it has not answered shortly after. */
const answer = (prompt: Promise<SuccessorChoice | null>) =>
    Promise.race([prompt, new Promise<string>((resolve) => setTimeout(() => resolve("still open"), 50))]);

describe("successor modal", () => {
    it("asks which memory replaces this one, with the keys to use", () => {
        void modal.prompt();
        expect(shown()).toBe(modal);
        expect(shown().placeholder).toBe("Deprecate “Lock with pip-tools”: which memory replaces it? (Esc cancels)");
        expect(shown().instructions).toEqual([
            { command: "↑↓", purpose: "choose" },
            { command: "↵", purpose: "deprecate" },
            { command: "esc", purpose: "cancel" },
        ]);
    });

    it("offers no successor first, then every other memory, with its project", () => {
        expect(modal.getItems().map((item) => modal.getItemText(item))).toEqual([
            "No successor: just deprecate it",
            "Use uv (app)",
            "Keep memories small",
        ]);
    });

    it("resolves to the memory chosen", async () => {
        const prompt = modal.prompt();
        shown().choose("Use uv");
        expect(await answer(prompt)).toEqual({ successor: uv });
    });

    it("resolves to no successor when that is chosen", async () => {
        const prompt = modal.prompt();
        shown().choose("No successor");
        const choice = await answer(prompt);
        expect(choice).toEqual({ successor: undefined });
        expect(choice).toHaveProperty("successor", undefined);
    });

    it("resolves to null once cancelled", async () => {
        const prompt = modal.prompt();
        shown().cancel();
        expect(await answer(prompt)).toBeNull();
        expect(openModals).toEqual([]);
    });
});
