/** The command palette and the file menu: which commands a note is offered, and that an action started
 *  from either says so when it fails, as the panes do, instead of failing without a word. */

import { afterEach, describe, expect, it } from "vitest";
import { REVIEW_VIEW } from "../../src/obsidian/review-view";
import { type FuzzySuggestModal, Menu, notices, openModals, type TFile } from "../shim/obsidian";
import { frontmatterOf } from "../fixtures";
import { type Loaded, loadPlugin, NEWER, openNote, openPane, settle, unload } from "./plugin-harness";

afterEach(unload);

const RETIRED = "memem/memories/Old FTP deploys.md";
const RETIRED_NOTE =
    "---\nid: mem-20250301-retire\ntitle: Old FTP deploys\nkind: fact\nstatus: deprecated\nvalid_to: 2025-06-01\n" +
    "deprecated_reason: replaced by the release script\ncreated: 2025-03-01\n---\n\nDeploys went over FTP.\n";
const MOVED = `memem/memories/Tests run without -x (moved).md`;
const GONE = `memem: ${NEWER} was moved or deleted; nothing was changed`;

let loaded: Loaded;

type Command = { checkCallback?: (checking: boolean) => boolean | undefined; callback?: () => unknown };
const command = (id: string) => (loaded.plugin as unknown as { commands: Map<string, Command> }).commands.get(id)!;

/** The successor picker is open: the note is moved meanwhile, then "No successor" is chosen. */
async function moveThenChoose(): Promise<void> {
    await settle();
    expect(openModals).toHaveLength(1);
    await loaded.app.vault.rename(loaded.app.vault.getFileByPath(NEWER) as TFile, MOVED);
    (openModals.at(-1) as FuzzySuggestModal<unknown>).choose("No successor");
    await settle();
}

describe("Deprecate this memory…", () => {
    it("is offered for an active memory and not for one already deprecated, whose date and reason stay", async () => {
        loaded = await loadPlugin({ files: { [RETIRED]: RETIRED_NOTE } });
        openNote(loaded.app, NEWER);
        expect(command("deprecate").checkCallback?.(true)).toBe(true);
        openNote(loaded.app, RETIRED);
        expect(command("deprecate").checkCallback?.(true)).toBe(false);
        command("deprecate").checkCallback?.(false);
        await settle();
        expect(openModals).toEqual([]);
        expect(frontmatterOf(loaded.storage.files[RETIRED])).toMatchObject({ valid_to: "2025-06-01", deprecated_reason: "replaced by the release script" });
        // Approving a deprecated memory is still offered: a review of it is no change of its history.
        expect(command("approve").checkCallback?.(true)).toBe(true);
    });
});

describe("an action that fails", () => {
    it("from the command palette's Deprecate is a notice", async () => {
        loaded = await loadPlugin();
        openNote(loaded.app, NEWER);
        command("deprecate").checkCallback?.(false);
        await moveThenChoose();
        expect(notices.at(-1)).toBe(GONE);
    });

    it("from the file menu's Deprecate is a notice", async () => {
        loaded = await loadPlugin();
        const menu = new Menu();
        loaded.app.workspace.trigger("file-menu", menu, loaded.app.vault.getFileByPath(NEWER) as TFile);
        menu.pick("Deprecate memory…");
        await moveThenChoose();
        expect(notices.at(-1)).toBe(GONE);
    });

    it("from the review pane's Deprecate is a notice, and the memory stays listed", async () => {
        loaded = await loadPlugin();
        const pane = await openPane(loaded.plugin, REVIEW_VIEW);
        const card = pane.querySelector<HTMLElement>(`.memem-card[data-path="${NEWER}"]`)!;
        card.focus();
        card.dispatchEvent(new KeyboardEvent("keydown", { key: "d", bubbles: true, cancelable: true }));
        await moveThenChoose();
        expect(notices.at(-1)).toBe(GONE);
        expect(pane.querySelector(`.memem-card[data-path="${MOVED}"]`)).not.toBeNull();
    });

    it("from the review pane's Deprecate keeps the memory listed when the edit itself fails", async () => {
        loaded = await loadPlugin();
        const pane = await openPane(loaded.plugin, REVIEW_VIEW);
        loaded.app.fileManager.processFrontMatter = () => Promise.reject(new Error("the disk is full"));
        const card = pane.querySelector<HTMLElement>(`.memem-card[data-path="${NEWER}"]`)!;
        card.focus();
        card.dispatchEvent(new KeyboardEvent("keydown", { key: "d", bubbles: true, cancelable: true }));
        await settle();
        (openModals.at(-1) as FuzzySuggestModal<unknown>).choose("No successor");
        await settle();
        expect(notices.at(-1)).toBe("memem: the disk is full");
        expect(pane.querySelector(`.memem-card[data-path="${NEWER}"]`)).not.toBeNull();
    });

    it("from the command palette's Approve and Undo is a notice", async () => {
        loaded = await loadPlugin();
        openNote(loaded.app, NEWER);
        loaded.app.fileManager.processFrontMatter = () => Promise.reject(new Error("the disk is full"));
        command("approve").checkCallback?.(false);
        await settle();
        expect(notices.at(-1)).toBe("memem: the disk is full");
        loaded.plugin.actions.journal.undo = () => Promise.reject(new Error("memem: the vault is read-only"));
        command("undo").callback?.();
        await settle();
        expect(notices.at(-1)).toBe("memem: the vault is read-only");
    });
});
