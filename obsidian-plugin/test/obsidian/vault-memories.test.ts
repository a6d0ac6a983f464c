/**
 * The memories read from Obsidian's metadata cache and kept up to date by its events: one scan, then one
 * note at a time, with each note's first paragraph taken from the text the events carry.
 */

import { beforeEach, describe, expect, it } from "vitest";
import { inFolder, isMemoryPath, VaultMemories } from "../../src/obsidian/vault-memories";
import { App, memoryStorage, type TFile } from "../shim/obsidian";
import { MINED_PAIR, templateFiles } from "../fixtures";

const FOLDER = "memem/memories";
const NEWER = "memem/memories/Tests run without -x.md";
const UV = "memem/memories/example-app/Use uv for Python installs.md";
const BODY = "CI runs the whole suite without -x so every failure shows in one run.";

let storage: ReturnType<typeof memoryStorage>;
let app: App;
let vault: VaultMemories;

beforeEach(async () => {
    storage = memoryStorage({ ...templateFiles(), ...MINED_PAIR, "notes/Plain.md": "# Just a note\n" });
    app = new App(storage);
    await app.vault.load();
    vault = new VaultMemories(app as never, () => FOLDER);
    vault.watch();
    vault.rebuild();
});

const settle = async () => {
    do await new Promise((r) => setTimeout(r, 0));
    while (app.metadataCache.pending > 0);
};
const file = (path: string) => app.vault.getFileByPath(path) as TFile;
const memory = (path: string) => vault.memoryAt(path)!;

describe("inFolder", () => {
    it("takes the notes under the folder, whatever the case of .md", () => {
        expect(inFolder("memem/memories/a.md", FOLDER)).toBe(true);
        expect(inFolder("memem/memories/x/a.MD", FOLDER)).toBe(true);
        expect(inFolder("memem/memories/a.txt", FOLDER)).toBe(false);
        expect(inFolder("memem/memories-old/a.md", FOLDER)).toBe(false);
        expect(inFolder("memem/memories.md", FOLDER)).toBe(false);
    });
});

describe("isMemoryPath", () => {
    it("takes the memories folder's notes and the team vaults' notes, nothing else", () => {
        expect(isMemoryPath("memem/memories/a.md", FOLDER)).toBe(true);
        expect(isMemoryPath("memem/teams/acme/memories/a.md", FOLDER)).toBe(true);
        expect(isMemoryPath("memem/teams/acme/README.md", FOLDER)).toBe(false);
        expect(isMemoryPath("notes/a.md", FOLDER)).toBe(false);
    });
});

describe("vault memories", () => {
    it("scans once and reads each note's text only when a pane first shows it", async () => {
        expect(vault.counters).toEqual({ scans: 1, reads: 0 });
        expect(vault.memories().size).toBe(11);
        expect(await vault.snippet(memory(NEWER))).toBe(BODY);
        expect(await vault.snippet(memory(NEWER))).toBe(BODY);
        expect(vault.counters).toEqual({ scans: 1, reads: 1 });
    });

    it("takes a changed note's first paragraph from the change itself, reading nothing", async () => {
        await app.vault.modify(file(NEWER), storage.files[NEWER].replace("every failure shows", "each failure is listed"));
        await settle();
        expect(await vault.snippet(memory(NEWER))).toBe("CI runs the whole suite without -x so each failure is listed in one run.");
        expect(vault.counters.reads).toBe(0);
    });

    it("cuts a first paragraph to the length asked for", async () => {
        expect(await vault.snippet(memory(NEWER), BODY.length)).toBe(BODY);
        expect(await vault.snippet(memory(NEWER), 19)).toBe("CI runs the whole…");
        expect(await vault.snippet(memory(NEWER), 20)).toBe("CI runs the whole s…");
    });

    it("has no first paragraph for a note that is gone", async () => {
        const gone = memory(NEWER);
        await app.fileManager.trashFile(file(NEWER));
        expect(vault.memoryAt(NEWER)).toBeUndefined();
        expect(await vault.snippet(gone)).toBe("");
    });

    it("wakes no pane when a note is parsed again unchanged, and does for a body edit", async () => {
        const revision = vault.index.revision;
        await app.vault.modify(file(NEWER), storage.files[NEWER]);
        await settle();
        expect(vault.index.revision).toBe(revision);
        await app.vault.modify(file(NEWER), `${storage.files[NEWER]}\nA new paragraph.\n`);
        await settle();
        expect(vault.index.revision).toBe(revision); // the first paragraph did not change
        await app.vault.modify(file(NEWER), storage.files[NEWER].replace("CI runs", "CI always runs"));
        await settle();
        expect(vault.index.revision).toBe(revision + 1);
    });

    it("rescans without tripping over a note Obsidian has not parsed yet", async () => {
        await app.vault.create("memem/memories/Fresh.md", "---\nid: fresh\n---\n\nJust written.\n");
        vault.rebuild(); // say, the folder setting changed this very moment
        expect(vault.memoryAt("memem/memories/Fresh.md")).toBeUndefined();
        await settle();
        expect(vault.memoryAt("memem/memories/Fresh.md")?.id).toBe("fresh");
    });

    it("ignores notes outside the memories folder", async () => {
        const revision = vault.index.revision;
        await app.vault.modify(file("notes/Plain.md"), "---\nid: mem-plain\n---\nNow with an id.\n");
        await settle();
        expect(vault.memoryAt("notes/Plain.md")).toBeUndefined();
        expect(vault.index.revision).toBe(revision);
    });

    it("follows a note renamed inside the folder, moved out of it, and leaves other renames alone", async () => {
        const moved = "memem/memories/archive/Tests run without -x.md";
        await app.vault.rename(file(NEWER), moved);
        expect(vault.memoryAt(NEWER)).toBeUndefined();
        expect(vault.memoryAt(moved)?.title).toBe("Tests run without -x");
        expect(await vault.snippet(memory(moved))).toBe(BODY);
        expect(vault.counters.reads).toBe(1);
        await app.vault.rename(file(moved), "elsewhere/Tests run without -x.md");
        expect(vault.memoryAt(moved)).toBeUndefined();
        const revision = vault.index.revision;
        await app.vault.rename(file("notes/Plain.md"), "notes/Renamed.md");
        expect(vault.index.revision).toBe(revision);
    });

    it("keeps a first paragraph already read across a rename, reading nothing", async () => {
        expect(await vault.snippet(memory(NEWER))).toBe(BODY);
        const moved = "memem/memories/archive/Tests run without -x.md";
        await app.vault.rename(file(NEWER), moved);
        expect(await vault.snippet(memory(moved))).toBe(BODY);
        expect(vault.counters.reads).toBe(1);
    });

    it("resolves links as Obsidian does: by path, and to nothing for a missing note", async () => {
        const text = storage.files[UV].replace("supports:", 'related:\n  - "[[memem/memories/Tests run without -x]]"\n  - "[[Missing note]]"\nsupports:');
        await app.vault.modify(file(UV), text);
        await settle();
        const set = vault.memories();
        expect(set.targets(set.byPath(UV)!, "related").map((m) => m.path)).toEqual([NEWER]);
    });
});

describe("consolidation's proposals beside the memories", () => {
    const note = (key: string, status = "open") =>
        `---\nproposal: stale\nkey: ${key}\nstatus: ${status}\nids:\n  - a\ntargets:\n  - "[[A]]"\nevidence: e\n---\n\nA proposal.\n`;
    const changes: string[][] = [];
    const listen = () => {
        changes.splice(0);
        vault.index.subscribe((change) => changes.push(change.paths));
    };

    it("are read at start, kept sorted by file, and only from memem/proposals", async () => {
        await app.vault.create("memem/proposals/z-last.md", note("z-last"));
        await app.vault.create("memem/proposals/a-first.md", note("a-first"));
        await app.vault.create("memem/memories/not-a-proposal.md", note("inside-memories"));
        await settle();
        vault.rebuild();
        expect(vault.proposals().map((p) => p.key)).toEqual(["a-first", "z-last"]);
    });

    it("follow each change, deletion and rename, and tell the panes", async () => {
        listen();
        const file = await app.vault.create("memem/proposals/k.md", note("k"));
        await settle();
        expect(vault.proposals().map((p) => p.key)).toEqual(["k"]);
        expect(changes).toContainEqual(["memem/proposals/k.md"]);

        changes.splice(0);
        await app.vault.modify(file, note("k", "accepted"));
        await settle();
        expect(vault.proposals()).toEqual([]);
        expect(changes).toContainEqual(["memem/proposals/k.md"]); // it left the list: panes redraw

        changes.splice(0);
        await app.vault.modify(file, note("k", "rejected"));
        await settle();
        expect(changes).not.toContainEqual(["memem/proposals/k.md"]); // decided before, decided now: nothing to redraw

        await app.vault.modify(file, note("k"));
        await settle();
        changes.splice(0);
        await app.vault.rename(file, "memem/proposals/k2.md");
        await settle();
        expect(vault.proposals().map((p) => p.path)).toEqual(["memem/proposals/k2.md"]);
        expect(changes).toContainEqual(["memem/proposals/k.md", "memem/proposals/k2.md"]);

        changes.splice(0);
        await app.vault.trash(app.vault.getFileByPath("memem/proposals/k2.md")!, true);
        await settle();
        expect(vault.proposals()).toEqual([]);
        expect(changes).toContainEqual(["memem/proposals/k2.md"]);
    });

    it("a plain note's change wakes no pane", async () => {
        listen();
        await app.vault.modify(app.vault.getFileByPath("notes/Plain.md")!, "# Just a note, edited\n");
        await settle();
        expect(changes).toEqual([]);
    });
});
