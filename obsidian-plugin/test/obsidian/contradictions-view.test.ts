/** The contradictions pane: each open pair side by side, and the decisions it offers. */

import { afterEach, describe, expect, it } from "vitest";
import { CONTRADICTIONS_VIEW, reason } from "../../src/obsidian/contradictions-view";
import type { Memory } from "../../src/memory/memory";
import { menus } from "../shim/obsidian";
import { frontmatterOf } from "../fixtures";
import { FULL_SUITE, type Loaded, loadPlugin, NEWER, OLDER, openPane, PYTEST, settle, SLOW_CI, texts, unload, UV } from "./plugin-harness";

afterEach(unload);

let loaded: Loaded;
async function pane(files?: Record<string, string>): Promise<HTMLElement> {
    loaded = await loadPlugin({ files });
    return openPane(loaded.plugin, CONTRADICTIONS_VIEW);
}
const pair = (root: HTMLElement, left: string) => root.querySelector<HTMLElement>(`.memem-pair[data-left="${left}"]`)!;
const edit = async (path: string, change: (text: string) => string) => {
    const { app, storage } = loaded;
    await app.vault.modify(app.vault.getFileByPath(path)!, change(storage.files[path]));
    await settle();
};

describe("contradictions pane", () => {
    it("names itself in its tab and lists the pairs under a count", async () => {
        const root = await pane();
        const view = loaded.app.workspace.getLeavesOfType(CONTRADICTIONS_VIEW)[0].view!;
        expect([CONTRADICTIONS_VIEW, view.getDisplayText(), view.getIcon()]).toEqual(["memem-contradictions", "Memory contradictions", "git-compare"]);
        const content = root.querySelector(".view-content")!;
        expect([...content.classList]).toEqual(["view-content", "memem-pane", "memem-contradictions"]);
        expect(texts(content, ".memem-pane-header > h4")).toEqual(["Contradictions (2)"]);
        expect([...content.querySelectorAll(".memem-pair")].map((p) => [p.getAttribute("data-left"), p.getAttribute("data-right")])).toEqual([
            [OLDER, NEWER],
            [PYTEST, FULL_SUITE],
        ]);
    });

    it("draws both sides, older first, with their facts and first paragraph", async () => {
        const root = await pane();
        await settle();
        const sides = [...pair(root, OLDER).querySelectorAll<HTMLElement>(".memem-pair-sides > .memem-card.memem-side")];
        expect(sides.map((s) => [s.className, s.dataset.path, s.querySelector(".memem-side-label")?.textContent])).toEqual([
            ["memem-card memem-side memem-side-older", OLDER, "Older"],
            ["memem-card memem-side memem-side-newer", NEWER, "Newer"],
        ]);
        expect(texts(sides[0], ".memem-card-title")).toEqual(["Tests run with pytest -x"]);
        expect(texts(sides[0], ".memem-card-meta")).toEqual(["convention · example-app · learned from a Claude Code session on 2026-11-20"]);
        expect(texts(sides[0], ".memem-card-snippet")).toEqual(["Run the test suite with pytest -x so the first failure stops the run."]);
        // A reviewed side says so.
        const reviewed = pair(root, PYTEST).querySelector(".memem-side-older .memem-card-meta")?.textContent;
        expect(reviewed).toBe("convention · example-app · saved on 2026-10-10 · reviewed");
        const keep = sides[1].querySelector("button")!;
        expect([keep.textContent, keep.getAttribute("aria-label")]).toEqual([
            "Keep this",
            "Keep “Tests run without -x”; the other is deprecated and superseded by it",
        ]);
    });

    it("says global for a side without a project, and leaves out what a side does not say", async () => {
        const root = await pane({
            "memem/memories/Loose A.md": '---\nid: loose-a\ntitle: Loose A\ncontradicts:\n  - "[[Loose B]]"\n---\n\nA.\n',
            "memem/memories/Loose B.md": "---\nid: loose-b\ntitle: Loose B\n---\n\nB.\n",
        });
        const sides = [...pair(root, "memem/memories/Loose A.md").querySelectorAll(".memem-card-meta")].map((m) => m.textContent);
        expect(sides).toEqual(["global", "global"]);
    });

    it("keeps the older side from its own button", async () => {
        const root = await pane();
        pair(root, OLDER).querySelector<HTMLButtonElement>(".memem-side-older button")!.click();
        await settle();
        expect(frontmatterOf(loaded.storage.files[NEWER]).status).toBe("deprecated");
        expect(frontmatterOf(loaded.storage.files[OLDER]).supersedes).toEqual(["[[Tests run without -x]]"]);
    });

    it("offers Both hold and a menu to merge in the pair's footer", async () => {
        const root = await pane();
        const footer = pair(root, OLDER).querySelector(".memem-actions")!;
        const [both, more] = [...footer.querySelectorAll("button")];
        expect([both.textContent, both.getAttribute("aria-label"), both.classList.contains("mod-cta")]).toEqual([
            "Both hold",
            "Both are true (in different situations): stop flagging this pair",
            false,
        ]);
        expect([more.textContent, more.getAttribute("aria-label")]).toEqual(["⋯", "More: merge into one note"]);
        more.click();
        expect(menus.at(-1)!.items.map((i) => [i.title, i.icon])).toEqual([["Merge into one note…", "git-merge"]]);
    });

    it("says when no pair is left", async () => {
        const root = await pane();
        pair(root, OLDER).querySelector<HTMLButtonElement>(".memem-actions button")!.click();
        await settle();
        pair(root, PYTEST).querySelector<HTMLButtonElement>(".memem-actions button")!.click();
        await settle();
        expect(texts(root, ".memem-pane-header > h4")).toEqual(["Contradictions (0)"]);
        expect(texts(root, ".memem-empty")).toEqual(["No open contradictions. memem links them here when a new lesson disagrees with an old one."]);
        expect(root.querySelector(".memem-pair")).toBeNull();
    });

    it("does not redraw for a change to a note outside every pair", async () => {
        const root = await pane();
        const before = pair(root, OLDER);
        await edit(SLOW_CI, (t) => t.replace("kind: failure", "kind: fact"));
        expect(pair(root, OLDER)).toBe(before);
    });

    it("opens the merged note in the current tab", async () => {
        const root = await pane();
        pair(root, OLDER).querySelector<HTMLElement>(".memem-more-actions")!.click();
        menus.at(-1)!.pick("Merge");
        await settle();
        expect(loaded.app.workspace.getActiveFile()?.path).toBe("memem/memories/Tests run with pytest -x (merged).md");
        expect(loaded.app.workspace.leafRequests).toEqual([false]);
    });

    it("shows a pair that a note outside the pane starts", async () => {
        const root = await pane();
        await edit(UV, (t) => t.replace("supports:", 'contradicts:\n  - "[[CI installs were slow with pip]]"\nsupports:'));
        expect(texts(root, ".memem-pane-header > h4")).toEqual(["Contradictions (3)"]);
        expect(pair(root, SLOW_CI)?.getAttribute("data-right")).toBe(UV);
    });

    it("shows a pair again when a note not on screen takes back one of its settlements", async () => {
        const root = await pane({
            "memem/memories/Loose A.md": '---\nid: loose-a\ntitle: Loose A\ncreated: 2026-01-01\ncontradicts:\n  - "[[Loose B]]"\n---\n\nA.\n',
            "memem/memories/Loose C.md": '---\nid: loose-c\ntitle: Loose C\ncreated: 2026-01-03\ncontradicts:\n  - "[[Loose B]]"\n---\n\nC.\n',
            "memem/memories/Loose B.md":
                '---\nid: loose-b\ntitle: Loose B\ncreated: 2026-01-02\nconsistent_with:\n  - "[[Loose A]]"\n  - "[[Loose C]]"\n---\n\nB.\n',
        });
        expect(texts(root, ".memem-pane-header > h4")).toEqual(["Contradictions (2)"]);
        await edit("memem/memories/Loose B.md", (t) => t.replace('  - "[[Loose A]]"\n', ""));
        expect(texts(root, ".memem-pane-header > h4")).toEqual(["Contradictions (3)"]);
    });

    it("shows a pair again when the settling note drops its last consistent_with link", async () => {
        const root = await pane({
            "memem/memories/Loose A.md": '---\nid: loose-a\ntitle: Loose A\ncreated: 2026-01-01\ncontradicts:\n  - "[[Loose B]]"\n---\n\nA.\n',
            "memem/memories/Loose B.md": '---\nid: loose-b\ntitle: Loose B\ncreated: 2026-01-02\nconsistent_with:\n  - "[[Loose A]]"\n---\n\nB.\n',
        });
        expect(texts(root, ".memem-pane-header > h4")).toEqual(["Contradictions (2)"]);
        // B is not on screen and, after the edit, has no pair links at all: the pane must still notice.
        await edit("memem/memories/Loose B.md", (t) => t.replace('consistent_with:\n  - "[[Loose A]]"\n', ""));
        expect(texts(root, ".memem-pane-header > h4")).toEqual(["Contradictions (3)"]);
    });

    it("redraws when the memories folder changes", async () => {
        const root = await pane();
        loaded.plugin.settings.memoriesFolder = "memem/memories/example-app";
        await loaded.plugin.saveSettings();
        await settle();
        expect(texts(root, ".memem-pane-header > h4")).toEqual(["Contradictions (1)"]);
    });
});

describe("reason", () => {
    it("gives the miner's evidence from either side, the newer side's first", () => {
        const side = (why?: string) => ({ reason: why }) as Memory;
        expect(reason(side("old evidence"), side("new evidence"))).toBe("Why they disagree: new evidence");
        expect(reason(side("old evidence"), side())).toBe("Why they disagree: old evidence");
        expect(reason(side(), side())).toBe("Linked as contradicting each other; no reason was recorded.");
    });
});
