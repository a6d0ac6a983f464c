/** The panes as the person uses them: rendered into a DOM, driven by clicks and keys. */

import { beforeEach, describe, expect, it } from "vitest";
import MememPlugin from "../../src/main";
import { CONTRADICTIONS_VIEW } from "../../src/obsidian/contradictions-view";
import { RELATED_VIEW } from "../../src/obsidian/related-view";
import { REVIEW_VIEW } from "../../src/obsidian/review-view";
import { describeStatus } from "../../src/obsidian/status-bar";
import { App, type FuzzySuggestModal, memoryStorage, openModals, type TFile } from "../shim/obsidian";
import { frontmatterOf, MINED_PAIR, templateFiles } from "../fixtures";

let storage: ReturnType<typeof memoryStorage>;
let app: App;
let plugin: MememPlugin;

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

beforeEach(async () => {
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

describe("review pane", () => {
    it("lists what awaits review with title, snippet, session and date", async () => {
        const pane = await open(REVIEW_VIEW);
        await settle();
        const cards = [...pane.querySelectorAll(".memem-card")];
        expect(pane.querySelector("h4")?.textContent).toBe("To review (4)");
        expect(cards[0].querySelector(".memem-card-title")?.textContent).toBe("Tests run without -x");
        expect(cards[0].querySelector(".memem-card-meta")?.textContent).toBe("convention · example-app · 2026-11-23 · session 6c2d1b7e");
        expect(cards[0].querySelector(".memem-card-snippet")?.textContent).toMatch(/every failure shows/);
    });

    it("approves the selected memory with the keyboard and moves on", async () => {
        const pane = await open(REVIEW_VIEW);
        const content = pane.querySelector(".view-content") as HTMLElement;
        content.dispatchEvent(new KeyboardEvent("keydown", { key: "j", bubbles: true }));
        content.dispatchEvent(new KeyboardEvent("keydown", { key: "a", bubbles: true }));
        await settle();
        expect(frontmatterOf(storage.files["memem/memories/Tests run with pytest -x.md"]).reviewed).toBeTruthy();
        expect(pane.querySelector("h4")?.textContent).toBe("To review (3)");
    });

    it("filters by kind", async () => {
        const pane = await open(REVIEW_VIEW);
        const kind = pane.querySelectorAll("select")[1] as HTMLSelectElement;
        kind.value = "failure";
        kind.dispatchEvent(new Event("change"));
        await settle();
        const titles = [...pane.querySelectorAll(".memem-card-title")].map((e) => e.textContent);
        expect(titles).toEqual(["CI installs were slow with pip"]);
    });

    it("deprecates through the successor suggester, and rejects to the trash", async () => {
        const pane = await open(REVIEW_VIEW);
        const card = () => pane.querySelector(".memem-card") as HTMLElement;
        const click = (label: string) =>
            [...card().querySelectorAll("button")].find((b) => b.textContent === label)!.dispatchEvent(new MouseEvent("click"));
        click("Deprecate");
        await settle();
        (openModals.at(-1) as FuzzySuggestModal<unknown>).choose("Run tests with pytest -x before pushing");
        await settle();
        const deprecated = frontmatterOf(storage.files["memem/memories/Tests run without -x.md"]);
        expect(deprecated.status).toBe("deprecated");
        const successor = frontmatterOf(storage.files["memem/memories/example-app/Run tests with pytest -x before pushing.md"]);
        expect(successor.supersedes).toEqual(["[[Tests run without -x]]"]);
        click("Reject");
        await settle();
        expect(storage.trashed).toEqual(["memem/memories/Tests run with pytest -x.md"]);
    });
});

describe("contradictions pane", () => {
    it("shows each open pair side by side and resolves one with Keep both", async () => {
        const pane = await open(CONTRADICTIONS_VIEW);
        await settle();
        expect(pane.querySelector("h4")?.textContent).toBe("Contradictions (2)");
        const pair = pane.querySelector('.memem-pair[data-left="memem/memories/Tests run with pytest -x.md"]') as HTMLElement;
        expect(pair.querySelector(".memem-side-right .memem-card-title")?.textContent).toBe("Tests run without -x");
        [...pair.querySelectorAll("button")].find((b) => b.textContent === "Keep both")!.dispatchEvent(new MouseEvent("click"));
        await settle();
        expect(pane.querySelector("h4")?.textContent).toBe("Contradictions (1)");
        expect(frontmatterOf(storage.files["memem/memories/Tests run without -x.md"]).consistent_with).toEqual([
            "[[Tests run with pytest -x]]",
        ]);
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
