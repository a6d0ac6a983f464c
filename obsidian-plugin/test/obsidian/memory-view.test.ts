/** What every pane shares: redrawing only when seen and when something changed, and keeping focus. */

import { afterEach, describe, expect, it, vi } from "vitest";
import type { MemoryView } from "../../src/obsidian/memory-view";
import { RELATED_VIEW } from "../../src/obsidian/related-view";
import { REVIEW_VIEW } from "../../src/obsidian/review-view";
import type { WorkspaceLeaf } from "../shim/obsidian";
import { type Loaded, loadPlugin, NEWER, OLDER, openNote, openPane, settle, texts, unload, UV } from "./plugin-harness";

afterEach(unload);

let loaded: Loaded;
let leaf: WorkspaceLeaf;
async function pane(): Promise<HTMLElement> {
    loaded = await loadPlugin();
    const root = await openPane(loaded.plugin, REVIEW_VIEW);
    leaf = loaded.app.workspace.getLeavesOfType(REVIEW_VIEW)[0];
    return root;
}
const heading = (root: HTMLElement) => root.querySelector(".memem-pane-header h4");
const approveElsewhere = async () => {
    await loaded.plugin.actions.approve(loaded.plugin.actions.memoryAt(NEWER)!);
    await settle();
};

describe("pane redraws", () => {
    it("marks its content as a memem pane", async () => {
        const root = await pane();
        expect(root.querySelector(".view-content")!.classList.contains("memem-pane")).toBe(true);
    });

    it("does not redraw on a layout change or resize when nothing changed", async () => {
        const root = await pane();
        const before = heading(root);
        loaded.app.workspace.layoutChanged();
        loaded.app.workspace.trigger("active-leaf-change");
        (leaf.view as unknown as MemoryView).onResize();
        await settle();
        expect(heading(root)).toBe(before);
    });

    it.each(["active-leaf-change", "resize"])("catches up when shown again (%s)", async (how) => {
        const root = await pane();
        root.style.display = "none";
        await approveElsewhere();
        expect(heading(root)!.textContent).toBe("To review (4)"); // hidden: not redrawn
        root.style.display = "";
        if (how === "resize") (leaf.view as unknown as MemoryView).onResize();
        else loaded.app.workspace.trigger("active-leaf-change");
        await settle();
        expect(heading(root)!.textContent).toBe("To review (3)");
    });

    it("stays put while hidden, even when resized", async () => {
        const root = await pane();
        root.style.display = "none";
        await approveElsewhere();
        (leaf.view as unknown as MemoryView).onResize();
        loaded.app.workspace.layoutChanged();
        await settle();
        expect(heading(root)!.textContent).toBe("To review (4)");
    });

    it("empties itself when closed", async () => {
        const root = await pane();
        const content = root.querySelector(".view-content")!;
        leaf.detach();
        await settle();
        expect(content.childElementCount).toBe(0);
    });

    /** The related pane, showing a memory: it draws itself afresh on each redraw. */
    async function relatedPane(): Promise<{ content: Element; view: WorkspaceLeaf["view"] }> {
        loaded = await loadPlugin();
        const root = await openPane(loaded.plugin, RELATED_VIEW);
        openNote(loaded.app, UV);
        await settle();
        leaf = loaded.app.workspace.getLeavesOfType(RELATED_VIEW)[0];
        const content = root.querySelector(".view-content")!;
        expect(content.childElementCount).toBeGreaterThan(0);
        return { content, view: leaf.view };
    }

    it("drops a redraw still waiting out its debounce when closed", async () => {
        const { content } = await relatedPane();
        openNote(loaded.app, OLDER); // the pane asks for a redraw, debounced
        const timers = vi.getTimerCount();
        leaf.detach();
        expect(vi.getTimerCount()).toBe(timers - 1); // cancelled, not left to run
        await settle();
        expect(content.childElementCount).toBe(0);
    });

    it("draws nothing when a redraw is asked for after it closed (an action that failed meanwhile)", async () => {
        const { content, view } = await relatedPane();
        leaf.detach();
        (view as unknown as { requestRender(): void }).requestRender();
        await settle();
        expect(content.childElementCount).toBe(0);
    });
});

describe("pane focus across redraws", () => {
    it("gives focus back to a card that was drawn again", async () => {
        const root = await pane();
        root.querySelector<HTMLElement>(`.memem-card[data-path="${OLDER}"]`)!.focus();
        const { app, storage } = loaded;
        await app.vault.modify(app.vault.getFileByPath(OLDER)!, storage.files[OLDER].replace("title: Tests run with pytest -x", "title: Tests stop at the first failure"));
        await settle();
        const card = root.querySelector<HTMLElement>(`.memem-card[data-path="${OLDER}"]`)!;
        expect(card.querySelector(".memem-card-title")?.textContent).toBe("Tests stop at the first failure");
        expect(root.querySelectorAll(`.memem-card[data-path="${OLDER}"]`)).toHaveLength(1); // replaced, not added
        expect(document.activeElement).toBe(card);
    });

    it("redraws with focus on a control outside the cards", async () => {
        const root = await pane();
        root.querySelector<HTMLSelectElement>("select")!.focus();
        await approveElsewhere();
        expect(heading(root)!.textContent).toBe("To review (3)");
        expect(texts(root, ".memem-card .memem-card-title")).not.toContain("Tests run without -x");
    });
});
