/**
 * The panes as the person uses them: the plugin loaded whole, rendered into a DOM, driven by clicks and
 * keys, with the metadata cache updating a task after each write as Obsidian's does.
 */

import { beforeEach, describe, expect, it } from "vitest";
import MememPlugin from "../../src/main";
import { CONTRADICTIONS_VIEW } from "../../src/obsidian/contradictions-view";
import { RELATED_VIEW } from "../../src/obsidian/related-view";
import { REVIEW_VIEW } from "../../src/obsidian/review-view";
import { describeStatus } from "../../src/obsidian/status-bar";
import { App, type FuzzySuggestModal, memoryStorage, menus, openModals, type TFile } from "../shim/obsidian";
import { frontmatterOf, MINED_PAIR, templateFiles } from "../fixtures";

const OLDER = "memem/memories/Tests run with pytest -x.md";
const NEWER = "memem/memories/Tests run without -x.md";
const SUCCESSOR = "memem/memories/example-app/Run tests with pytest -x before pushing.md";

let storage: ReturnType<typeof memoryStorage>;
let app: App;
let plugin: MememPlugin;

/** Let writes be parsed (the cache parses a task after each write) and the debounced redraw run. */
const settle = async () => {
    do await new Promise((resolve) => setTimeout(resolve, 15));
    while (app.metadataCache.pending > 0);
    await new Promise((resolve) => setTimeout(resolve, 15));
};

beforeEach(async () => {
    document.body.innerHTML = "";
    openModals.splice(0);
    storage = memoryStorage({ ...templateFiles(), ...MINED_PAIR });
    app = new App(storage);
    await app.vault.load();
    plugin = new MememPlugin(app as never, { id: "memem", version: "0.1.0" } as never);
    await plugin.onload();
});

async function open(type: string): Promise<HTMLElement> {
    const leaf = await plugin.openView(type);
    return (leaf as unknown as { view: { containerEl: HTMLElement } }).view.containerEl;
}

const titles = (pane: HTMLElement) => [...pane.querySelectorAll(".memem-card .memem-card-title")].map((e) => e.textContent);
const key = (target: HTMLElement, k: string, init: KeyboardEventInit = {}) =>
    target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, ...init }));
const focusedPath = () => (document.activeElement as HTMLElement | null)?.dataset?.path;

describe("review pane", () => {
    it("lists what awaits review with a title link, where it came from in words, and its first paragraph", async () => {
        const pane = await open(REVIEW_VIEW);
        await settle();
        const cards = [...pane.querySelectorAll(".memem-card")];
        expect(pane.querySelector("h4")?.textContent).toBe("To review (4)");
        const title = cards[0].querySelector("a.internal-link.memem-card-title") as HTMLAnchorElement;
        expect(title.textContent).toBe("Tests run without -x");
        expect(title.dataset.href).toBe(NEWER);
        expect(cards[0].querySelector(".memem-card-meta")?.textContent).toBe(
            "convention · example-app · learned from a Claude Code session on 2026-11-23",
        );
        expect(cards[0].querySelector(".memem-card-snippet")?.textContent).toMatch(/every failure shows/);
        // One primary action per card; the rest in a menu.
        expect([...cards[0].querySelectorAll("button")].map((b) => b.textContent)).toEqual(["Approve", "⋯"]);
    });

    it("clears the queue key by key: focus follows the list after each action", async () => {
        const pane = await open(REVIEW_VIEW);
        await settle();
        const first = pane.querySelector<HTMLElement>(".memem-card")!;
        first.focus();
        expect(focusedPath()).toBe(NEWER);
        key(first, "a");
        await settle();
        // The approved memory left; the next one has focus, so the next key acts on it.
        expect(titles(pane)).not.toContain("Tests run without -x");
        expect(focusedPath()).toBe(OLDER);
        key(document.activeElement as HTMLElement, "a");
        await settle();
        expect(frontmatterOf(storage.files[NEWER]).reviewed).toBeTruthy();
        expect(frontmatterOf(storage.files[OLDER]).reviewed).toBeTruthy();
        expect(pane.querySelector("h4")?.textContent).toBe("To review (2)");
        expect(pane.contains(document.activeElement)).toBe(true);
    });

    it("moves with j/k and arrows, and e opens the note without pulling focus back", async () => {
        const pane = await open(REVIEW_VIEW);
        await settle();
        const first = pane.querySelector<HTMLElement>(".memem-card")!;
        first.focus();
        key(first, "j");
        expect(focusedPath()).toBe(OLDER);
        key(document.activeElement as HTMLElement, "ArrowDown");
        key(document.activeElement as HTMLElement, "k");
        expect(focusedPath()).toBe(OLDER);
        (document.activeElement as HTMLElement).blur();
        key(pane.querySelector<HTMLElement>(".memem-card.is-selected")!, "e");
        await settle();
        expect(app.workspace.getActiveFile()?.path).toBe(OLDER);
        expect(pane.contains(document.activeElement)).toBe(false);
    });

    it("lets the successor picker own the keyboard: keys typed while it is open do nothing to the list", async () => {
        const pane = await open(REVIEW_VIEW);
        await settle();
        const first = pane.querySelector<HTMLElement>(".memem-card")!;
        first.focus();
        key(first, "d");
        await settle();
        expect(openModals).toHaveLength(1);
        key(first, "x"); // reaches the list behind the modal: ignored
        key(first, "a");
        await settle();
        expect(storage.trashed).toEqual([]);
        expect(frontmatterOf(storage.files[NEWER]).reviewed).toBeUndefined();
        (openModals.at(-1) as FuzzySuggestModal<unknown>).choose("Run tests with pytest -x before pushing");

        await settle();
        expect(frontmatterOf(storage.files[NEWER]).status).toBe("deprecated");
        expect(frontmatterOf(storage.files[SUCCESSOR]).supersedes).toEqual(["[[Tests run without -x]]"]);
        expect(focusedPath()).toBe(OLDER);
    });

    it("leaves the memory in place when the successor picker is cancelled", async () => {
        const pane = await open(REVIEW_VIEW);
        await settle();
        const first = pane.querySelector<HTMLElement>(".memem-card")!;
        first.focus();
        key(first, "d");
        await settle();
        (openModals.at(-1) as FuzzySuggestModal<unknown>).cancel();
        await settle();
        expect(frontmatterOf(storage.files[NEWER]).status).toBe("active");
        expect(titles(pane)[0]).toBe("Tests run without -x");
        expect(focusedPath()).toBe(NEWER);
    });

    it("lets Enter on a button press that button, not open the note", async () => {
        const pane = await open(REVIEW_VIEW);
        await settle();
        const more = pane.querySelector<HTMLElement>(".memem-more-actions")!;
        key(more, "Enter");
        key(more, "x");
        await settle();
        expect(app.workspace.getActiveFile()).toBeNull();
        expect(storage.trashed).toEqual([]);
    });

    it("rejects through the menu, and u undoes it", async () => {
        const pane = await open(REVIEW_VIEW);
        await settle();
        const text = storage.files[NEWER];
        pane.querySelector<HTMLElement>(".memem-more-actions")!.click();
        menus.at(-1)!.pick("Reject");
        await settle();
        expect(storage.trashed).toEqual([NEWER]);
        expect(titles(pane)).not.toContain("Tests run without -x");
        key(pane.querySelector<HTMLElement>(".memem-card")!, "u");
        await settle();
        expect(storage.files[NEWER]).toBe(text);
        expect(titles(pane)).toContain("Tests run without -x");
    });

    it("falls back to every memory, and says so, when the filtered kind runs out", async () => {
        const pane = await open(REVIEW_VIEW);
        await settle();
        const kind = pane.querySelectorAll("select")[1] as HTMLSelectElement;
        kind.value = "failure";
        kind.dispatchEvent(new Event("change"));
        await settle();
        expect(titles(pane)).toEqual(["CI installs were slow with pip"]);
        pane.querySelector<HTMLButtonElement>(".memem-card button.mod-cta")!.click();
        await settle();
        expect(pane.querySelector(".memem-note")?.textContent).toBe("Nothing left to review for kind failure; showing everything.");
        expect(titles(pane)).toHaveLength(3);
        expect((pane.querySelectorAll("select")[1] as HTMLSelectElement).value).toBe("");
    });

    it("keeps its scroll position and unchanged cards when a memory changes elsewhere", async () => {
        const pane = await open(REVIEW_VIEW);
        await settle();
        const content = pane.querySelector<HTMLElement>(".view-content")!;
        content.scrollTop = 120;
        const kept = pane.querySelector<HTMLElement>(`.memem-card[data-path="${OLDER}"]`)!;
        const file = app.vault.getFileByPath(NEWER)!;
        await app.vault.modify(file, storage.files[NEWER].replace("every failure shows", "each failure is listed"));
        await settle();
        expect(content.scrollTop).toBe(120);
        expect(pane.querySelector(`.memem-card[data-path="${OLDER}"]`)).toBe(kept); // not rebuilt
        expect(pane.querySelector(`.memem-card[data-path="${NEWER}"] .memem-card-snippet`)?.textContent).toMatch(/each failure is listed/);
    });

    it("opens a title in a new tab with Ctrl, and offers it to Page preview on hover", async () => {
        const pane = await open(REVIEW_VIEW);
        await settle();
        const hovers: unknown[] = [];
        app.workspace.on("hover-link", (info: unknown) => hovers.push(info));
        const title = pane.querySelector<HTMLElement>("a.internal-link")!;
        title.dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
        title.dispatchEvent(new MouseEvent("click", { bubbles: true, ctrlKey: true }));
        expect(app.workspace.linkOpens.at(-1)).toEqual({ linktext: NEWER, newLeaf: "tab" });
        expect(hovers).toEqual([expect.objectContaining({ source: REVIEW_VIEW, linktext: NEWER, targetEl: title })]);
        expect((plugin as unknown as { hoverSources: Map<string, unknown> }).hoverSources.has(REVIEW_VIEW)).toBe(true);
    });
});

describe("panes redraw only when seen", () => {
    it("a hidden pane does not redraw on changes and catches up when it is shown", async () => {
        const pane = await open(REVIEW_VIEW);
        await settle();
        pane.style.display = "none";
        await plugin.actions.approve(plugin.actions.memoryAt(NEWER)!);
        await settle();
        expect(pane.querySelector("h4")?.textContent).toBe("To review (4)"); // not redrawn while hidden
        pane.style.display = "";
        app.workspace.layoutChanged();
        await settle();
        expect(pane.querySelector("h4")?.textContent).toBe("To review (3)");
    });

    it("a body edit of an open note reads no file and redraws no unrelated pane", async () => {
        const contradictions = await open(CONTRADICTIONS_VIEW);
        await settle();
        const before = contradictions.querySelector(".memem-pair");
        const uv = app.vault.getFileByPath("memem/memories/example-app/Use uv for Python installs.md")!;
        const reads = (plugin as unknown as { memories: { counters: { reads: number } } }).memories.counters;
        const readsBefore = reads.reads;
        await app.vault.modify(uv, `${storage.files[uv.path]}\nOne more line.\n`);
        await settle();
        expect(contradictions.querySelector(".memem-pair")).toBe(before); // same element: no redraw
        expect(reads.reads).toBe(readsBefore);
    });
});

describe("contradictions pane", () => {
    it("shows each pair with its reason and a Keep button on each side", async () => {
        const pane = await open(CONTRADICTIONS_VIEW);
        await settle();
        expect(pane.querySelector("h4")?.textContent).toBe("Contradictions (2)");
        const pair = pane.querySelector<HTMLElement>(`.memem-pair[data-left="${OLDER}"]`)!;
        expect(pair.querySelector(".memem-side-newer .memem-card-title")?.textContent).toBe("Tests run without -x");
        expect(pair.querySelector(".memem-reason")?.textContent).toBe("Linked as contradicting each other; no reason was recorded.");
        [...pair.querySelectorAll<HTMLElement>(".memem-side-newer button")].find((b) => b.textContent === "Keep this")!.click();
        await settle();
        expect(frontmatterOf(storage.files[OLDER]).status).toBe("deprecated");
        expect(frontmatterOf(storage.files[NEWER])).toMatchObject({ supersedes: ["[[Tests run with pytest -x]]"] });
        expect(frontmatterOf(storage.files[NEWER]).reviewed).toBeTruthy();
        expect(pane.querySelector("h4")?.textContent).toBe("Contradictions (1)");
    });

    it("says why in the miner's words, and resolves with Both hold", async () => {
        storage.files[NEWER] = storage.files[NEWER].replace("contradicts:", "contradiction_evidence: CI needs every failure in one run\ncontradicts:");
        app = new App(storage);
        await app.vault.load();
        plugin = new MememPlugin(app as never, { id: "memem", version: "0.1.0" } as never);
        await plugin.onload();
        const pane = await open(CONTRADICTIONS_VIEW);
        await settle();
        const pair = pane.querySelector<HTMLElement>(`.memem-pair[data-left="${OLDER}"]`)!;
        expect(pair.querySelector(".memem-reason")?.textContent).toBe("Why they disagree: CI needs every failure in one run");
        [...pair.querySelectorAll<HTMLElement>("button")].find((b) => b.textContent === "Both hold")!.click();
        await settle();
        expect(pane.querySelector("h4")?.textContent).toBe("Contradictions (1)");
        expect(frontmatterOf(storage.files[NEWER]).consistent_with).toEqual(["[[Tests run with pytest -x]]"]);
    });

    it("merges from the pair's menu and opens the new note", async () => {
        const pane = await open(CONTRADICTIONS_VIEW);
        await settle();
        const pair = pane.querySelector<HTMLElement>(`.memem-pair[data-left="${OLDER}"]`)!;
        pair.querySelector<HTMLElement>(".memem-more-actions")!.click();
        menus.at(-1)!.pick("Merge");
        await settle();
        expect(app.workspace.getActiveFile()?.path).toBe("memem/memories/Tests run with pytest -x (merged).md");
        expect(pane.querySelector("h4")?.textContent).toBe("Contradictions (1)");
    });
});

describe("related pane and status bar with the daemon down", () => {
    it("shows typed links from the vault itself and says why there are no similar notes", async () => {
        const pane = await open(RELATED_VIEW);
        const uv = app.vault.getFileByPath("memem/memories/example-app/Use uv for Python installs.md") as TFile;
        app.workspace.setActiveFile(uv);
        await settle();
        const links = [...pane.querySelectorAll(".memem-links li")].map((li) => li.textContent);
        expect(links).toEqual(
            expect.arrayContaining(["→ supersedes Lock dependencies with pip-tools", "→ supports CI installs were slow with pip"]),
        );
        expect(pane.textContent).toMatch(/daemon not running/);
        expect(pane.textContent).toMatch(/memem serve/);
        expect(app.statusBarEl.textContent).toBe("memem: daemon off");
    });

    it("describes a live daemon in a few words", () => {
        const status = { notes: 12, vectors: 12, stale_vectors: 0, bad_notes: [{}], embedder: "memem-minilm-l6-v2", daemon: { pid: 1, phase: "watching", pending_events: 0 } };
        expect(describeStatus(status).text).toBe("memem: 12 memories · 1 bad");
        expect(describeStatus({ ...status, bad_notes: [], stale_vectors: 3 }).text).toBe("memem: 12 memories · syncing 3");
    });
});
