/** The review pane beyond the happy path: filters, the list's ends, the keyboard and failed actions. */

import { afterEach, describe, expect, it } from "vitest";
import { REVIEW_VIEW } from "../../src/obsidian/review-view";
import { menus, notices, openModals, type FuzzySuggestModal } from "../shim/obsidian";
import { frontmatterOf } from "../fixtures";
import { FULL_SUITE, type Loaded, loadPlugin, NEWER, OLDER, openPane, settle, SLOW_CI, texts, unload } from "./plugin-harness";

afterEach(unload);

/** The queue, newest first: NEWER, OLDER, FULL_SUITE, SLOW_CI. */
const QUEUE = [NEWER, OLDER, FULL_SUITE, SLOW_CI];

let loaded: Loaded;
async function pane(files?: Record<string, string>): Promise<HTMLElement> {
    loaded = await loadPlugin({ files });
    return openPane(loaded.plugin, REVIEW_VIEW);
}

const cards = (root: HTMLElement) => [...root.querySelectorAll<HTMLElement>(".memem-card")];
const paths = (root: HTMLElement) => cards(root).map((c) => c.dataset.path);
const card = (root: HTMLElement, path: string) => root.querySelector<HTMLElement>(`.memem-card[data-path="${path}"]`)!;
const selected = (root: HTMLElement) => root.querySelector<HTMLElement>(".memem-card.is-selected")?.dataset.path;
const focused = () => (document.activeElement as HTMLElement | null)?.dataset?.path;
const key = (target: Element, k: string) => target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
const select = async (root: HTMLElement, index: number, value: string) => {
    const el = root.querySelectorAll("select")[index] as HTMLSelectElement;
    el.value = value;
    el.dispatchEvent(new Event("change"));
    await settle();
};
const markReviewed = async (path: string) => {
    const { app, storage } = loaded;
    await app.vault.modify(app.vault.getFileByPath(path)!, storage.files[path].replace(/^---\n/, "---\nreviewed: 2026-11-24\n"));
};
const notes = (n: number, extra = "") =>
    Object.fromEntries(
        Array.from({ length: n }, (_, i) => [`memem/memories/bulk/Note ${i}.md`, `---\nid: bulk-${i}\ntitle: Note ${i}\ncreated: 2026-01-01\n${extra}---\n\nBody ${i}.\n`]),
    );

describe("review pane layout", () => {
    it("names itself in its tab and draws a labelled list of options", async () => {
        const root = await pane();
        const view = loaded.app.workspace.getLeavesOfType(REVIEW_VIEW)[0].view!;
        expect([REVIEW_VIEW, view.getDisplayText(), view.getIcon()]).toEqual(["memem-review", "Memories to review", "inbox"]);
        const content = root.querySelector(".view-content")!;
        expect([...content.classList]).toEqual(["view-content", "memem-pane", "memem-review"]);
        expect(content.querySelector(".memem-pane-header h4")?.textContent).toBe("To review (4)");
        const list = content.querySelector(".memem-list")!;
        expect([list.getAttribute("role"), list.getAttribute("aria-label")]).toEqual(["listbox", "Memories to review"]);
        expect(cards(list as HTMLElement).map((c) => c.getAttribute("role"))).toEqual(["option", "option", "option", "option"]);
        expect(content.querySelector(".memem-note, .memem-empty, .memem-more")).toBeNull();
    });

    it("gives each card its actions: Approve first, the rest behind a labelled menu", async () => {
        const root = await pane();
        const actions = card(root, OLDER).querySelector(".memem-actions")!;
        const [approve, more] = [...actions.querySelectorAll("button")];
        expect([approve.textContent, approve.getAttribute("aria-label"), approve.classList.contains("mod-cta")]).toEqual([
            "Approve",
            "Approve (a): keep it as it is",
            true,
        ]);
        expect([more.textContent, more.getAttribute("aria-label"), more.classList.contains("mod-cta")]).toEqual([
            "⋯",
            "More actions: edit, deprecate, reject",
            false,
        ]);
        more.click();
        expect(menus.at(-1)!.items.map((i) => [i.title, i.icon])).toEqual([
            ["Edit", "pencil"],
            ["Deprecate…", "archive"],
            ["Reject: move to the trash", "trash"],
        ]);
        expect(card(root, OLDER).querySelector("a.internal-link")?.getAttribute("tabindex")).toBe("-1");
    });

    it("leaves out what a note does not say in its card's line of facts", async () => {
        const root = await pane({ "memem/memories/Bare.md": "---\nid: bare\ntitle: A bare note\n---\n\nJust text.\n" });
        expect(card(root, "memem/memories/Bare.md").querySelector(".memem-card-meta")?.textContent).toBe("global");
    });

    it("says when nothing awaits review, and takes no key then", async () => {
        const root = await pane();
        for (const path of QUEUE) await markReviewed(path);
        await settle();
        expect(root.querySelector(".memem-pane-header h4")?.textContent).toBe("To review (0)");
        expect(texts(root, ".memem-list > *")).toEqual(["Nothing to review. New memories appear here as Claude learns them."]);
        expect(root.querySelector(".memem-list > .memem-empty")).not.toBeNull();
        const list = root.querySelector(".memem-list")!;
        const before = notices.length;
        for (const k of ["a", "x", "e", "d", "j"]) key(list, k);
        await settle();
        expect(notices.length).toBe(before);
        expect(openModals).toEqual([]);
    });

    it("shows 200 cards and counts the rest, and drops the count when the rest fits", async () => {
        const root = await pane(notes(197));
        expect(cards(root)).toHaveLength(200);
        expect(texts(root, ".memem-list > .memem-more")).toEqual(["and 1 more…"]);
        expect(root.querySelector(".memem-list")!.lastElementChild?.className).toBe("memem-more");
        card(root, NEWER).querySelector<HTMLButtonElement>("button.mod-cta")!.click();
        await settle();
        expect(cards(root)).toHaveLength(200);
        expect(root.querySelector(".memem-more, .memem-empty")).toBeNull();
        expect(root.querySelector(".memem-pane-header h4")?.textContent).toBe("To review (200)");
    });
});

describe("review pane filters", () => {
    it("offers every project (global as Global) and kind, all selected at first", async () => {
        const root = await pane({ "memem/memories/Bare.md": "---\nid: bare\ntitle: A bare note\n---\n\nJust text.\n" });
        const [projects, kinds] = [...root.querySelectorAll<HTMLSelectElement>(".memem-filters select.dropdown")];
        expect([projects.getAttribute("aria-label"), kinds.getAttribute("aria-label")]).toEqual(["All projects", "All kinds"]);
        expect([...projects.options].map((o) => [o.textContent, o.value])).toEqual([
            ["All projects", ""],
            ["Global", "(global)"],
            ["example-app", "example-app"],
        ]);
        expect([...kinds.options].map((o) => [o.textContent, o.value])).toEqual([
            ["All kinds", ""],
            ["convention", "convention"],
            ["failure", "failure"],
        ]);
        expect([projects.value, kinds.value]).toEqual(["", ""]);
        expect([projects.selectedIndex, kinds.selectedIndex]).toEqual([0, 0]);
    });

    it("filters by project and keeps the choice shown", async () => {
        const root = await pane({ "memem/memories/Bare.md": "---\nid: bare\ntitle: A bare note\n---\n\nJust text.\n" });
        await select(root, 0, "(global)");
        expect(paths(root)).toEqual(["memem/memories/Bare.md"]);
        expect((root.querySelectorAll("select")[0] as HTMLSelectElement).value).toBe("(global)");
        expect(root.querySelectorAll(".memem-list")).toHaveLength(1); // the list is redrawn in place
        await select(root, 0, "example-app");
        expect(paths(root)).toEqual(QUEUE);
        await select(root, 0, "");
        expect(paths(root)).toHaveLength(5);
    });

    it("falls back to everything when a project's last memory is reviewed, naming what ran out", async () => {
        const root = await pane({ "memem/memories/Bare.md": "---\nid: bare\ntitle: A bare note\n---\n\nJust text.\n" });
        await select(root, 0, "(global)");
        await markReviewed("memem/memories/Bare.md");
        await settle();
        expect(texts(root, ".memem-pane-header .memem-note")).toEqual(["Nothing left to review for global memories; showing everything."]);
        expect(paths(root)).toEqual(QUEUE);
        await select(root, 0, "example-app");
        await select(root, 1, "failure");
        for (const path of QUEUE) await markReviewed(path);
        await settle();
        expect(texts(root, ".memem-pane-header .memem-note")).toEqual([
            "Nothing left to review for project example-app and kind failure; showing everything.",
        ]);
    });
});

describe("review pane selection and keyboard", () => {
    it("marks the selected card for the keyboard and screen readers", async () => {
        const root = await pane();
        const state = (path: string) => {
            const c = card(root, path);
            return [c.classList.contains("is-selected"), c.getAttribute("aria-selected"), c.getAttribute("tabindex")];
        };
        expect(state(NEWER)).toEqual([true, "true", "0"]);
        expect(state(OLDER)).toEqual([false, "false", "-1"]);
        card(root, FULL_SUITE).click();
        expect(state(FULL_SUITE)).toEqual([true, "true", "0"]);
        expect(state(NEWER)).toEqual([false, "false", "-1"]);
        expect(focused()).toBe(FULL_SUITE);
    });

    it("selects a card that takes focus (Tab), and moves with the arrows, stopping at the ends", async () => {
        const root = await pane();
        card(root, OLDER).focus();
        expect(selected(root)).toBe(OLDER);
        key(document.activeElement!, "ArrowUp");
        expect(focused()).toBe(NEWER);
        key(document.activeElement!, "k");
        expect(focused()).toBe(NEWER);
        for (let i = 0; i < 5; i++) key(document.activeElement!, "j");
        expect(focused()).toBe(SLOW_CI);
        expect(selected(root)).toBe(SLOW_CI);
    });

    it("does nothing for other keys, or keys with a modifier", async () => {
        const root = await pane();
        card(root, NEWER).focus();
        for (const k of ["z", "Escape", " "]) key(document.activeElement!, k);
        document.activeElement!.dispatchEvent(new KeyboardEvent("keydown", { key: "a", ctrlKey: true, bubbles: true }));
        document.activeElement!.dispatchEvent(new KeyboardEvent("keydown", { key: "x", altKey: true, bubbles: true }));
        await settle();
        expect(loaded.storage.trashed).toEqual([]);
        expect(frontmatterOf(loaded.storage.files[NEWER]).reviewed).toBeUndefined();
        expect(loaded.app.workspace.getActiveFile()).toBeNull();
        expect(paths(root)).toEqual(QUEUE);
    });

    it("opens with Enter, rejects with x and Delete", async () => {
        const root = await pane();
        card(root, OLDER).focus();
        key(document.activeElement!, "Enter");
        await settle();
        expect(loaded.app.workspace.getActiveFile()?.path).toBe(OLDER);
        card(root, NEWER).focus();
        key(document.activeElement!, "x");
        await settle();
        expect(loaded.storage.trashed).toEqual([NEWER]);
        key(document.activeElement!, "Delete");
        await settle();
        expect(loaded.storage.trashed).toEqual([NEWER, OLDER]);
    });

    it("hides an approved memory at once, and while Obsidian has not parsed the edit", async () => {
        const root = await pane();
        card(root, OLDER).querySelector<HTMLButtonElement>("button.mod-cta")!.click();
        await Promise.resolve();
        await Promise.resolve();
        expect(paths(root)).toEqual([NEWER, FULL_SUITE, SLOW_CI]);
        // The write is done; the metadata cache parses it a task later (no timer has run yet).
        for (let i = 0; i < 50; i++) await Promise.resolve();
        expect(frontmatterOf(loaded.storage.files[OLDER]).reviewed).toBeTruthy();
        expect(paths(root)).toEqual([NEWER, FULL_SUITE, SLOW_CI]);
        await settle();
        expect(paths(root)).toEqual([NEWER, FULL_SUITE, SLOW_CI]);
    });

    it("moves the selection to the next memory, or the one before at the end, and keeps another selection", async () => {
        const root = await pane();
        card(root, SLOW_CI).focus();
        key(document.activeElement!, "a");
        await settle();
        expect(focused()).toBe(FULL_SUITE);
        key(document.activeElement!, "k"); // OLDER
        key(document.activeElement!, "a");
        await settle();
        expect(focused()).toBe(FULL_SUITE);
    });

    it("leaves the selection where it is when another card is approved by its button", async () => {
        const root = await pane();
        card(root, SLOW_CI).click();
        card(root, NEWER).querySelector<HTMLButtonElement>("button.mod-cta")!.click();
        await settle();
        expect(selected(root)).toBe(SLOW_CI);
        expect(paths(root)).toEqual([OLDER, FULL_SUITE, SLOW_CI]);
    });

    it("does not take focus when the person acted from outside the list", async () => {
        const root = await pane();
        const elsewhere = document.body.appendChild(document.createElement("input"));
        elsewhere.focus();
        card(root, NEWER).querySelector<HTMLButtonElement>("button.mod-cta")!.click();
        await settle();
        expect(document.activeElement).toBe(elsewhere);
        expect(selected(root)).toBe(OLDER);
    });

    it("puts the memory back, and says why, when the action fails", async () => {
        const root = await pane();
        loaded.app.fileManager.processFrontMatter = () => Promise.reject(new Error("the disk is full"));
        card(root, NEWER).focus();
        key(document.activeElement!, "a");
        await settle();
        expect(notices.at(-1)).toBe("memem: the disk is full");
        expect(paths(root)).toEqual(QUEUE);
    });

    it("gives focus back to the list when the successor picker is cancelled, and moves on when it deprecates", async () => {
        const root = await pane();
        card(root, NEWER).focus();
        key(document.activeElement!, "d");
        await settle();
        (openModals.at(-1) as FuzzySuggestModal<unknown>).cancel();
        await settle();
        expect(focused()).toBe(NEWER);
        key(document.activeElement!, "d");
        await settle();
        (openModals.at(-1) as FuzzySuggestModal<unknown>).choose("No successor");
        await settle();
        expect(frontmatterOf(loaded.storage.files[NEWER]).status).toBe("deprecated");
        expect(focused()).toBe(OLDER);
    });

    it("deprecates and edits from the card's menu", async () => {
        const root = await pane();
        card(root, OLDER).querySelector<HTMLElement>(".memem-more-actions")!.click();
        menus.at(-1)!.pick("Edit");
        await settle();
        expect(loaded.app.workspace.getActiveFile()?.path).toBe(OLDER);
        expect(loaded.app.workspace.leafRequests).toEqual([false]); // in the current tab
        card(root, OLDER).querySelector<HTMLElement>(".memem-more-actions")!.click();
        menus.at(-1)!.pick("Deprecate");
        await settle();
        (openModals.at(-1) as FuzzySuggestModal<unknown>).choose("No successor");
        await settle();
        expect(frontmatterOf(loaded.storage.files[OLDER]).status).toBe("deprecated");
        expect(paths(root)).toEqual([NEWER, FULL_SUITE, SLOW_CI]);
        // Cancelled from the menu, with focus outside the list: focus is not pulled into it.
        card(root, NEWER).querySelector<HTMLElement>(".memem-more-actions")!.click();
        menus.at(-1)!.pick("Deprecate");
        await settle();
        (openModals.at(-1) as FuzzySuggestModal<unknown>).cancel();
        await settle();
        expect(root.contains(document.activeElement)).toBe(false);
        expect(paths(root)).toEqual([NEWER, FULL_SUITE, SLOW_CI]);
    });
});
