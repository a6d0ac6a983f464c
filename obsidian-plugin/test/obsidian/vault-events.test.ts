/** The memory index following Obsidian's events: changed (a task after a write), delete and rename. */

import { beforeEach, describe, expect, it } from "vitest";
import type { IndexChange } from "../../src/memory/memory-index";
import { inFolder, VaultMemories } from "../../src/obsidian/vault-memories";
import { App, memoryStorage, type TFile } from "../shim/obsidian";
import { MINED_PAIR, templateFiles } from "../fixtures";

const OLDER = "memem/memories/Tests run with pytest -x.md";
const NEWER = "memem/memories/Tests run without -x.md";

let app: App;
let folder = "memem/memories";
let memories: VaultMemories;
let changes: IndexChange[];

const settle = async () => {
    do await new Promise((r) => setTimeout(r, 0));
    while (app.metadataCache.pending > 0);
};

beforeEach(async () => {
    folder = "memem/memories";
    app = new App(memoryStorage({ ...templateFiles(), ...MINED_PAIR, "notes/plain.md": "# not a memory\n" }));
    await app.vault.load();
    memories = new VaultMemories(app as never, () => folder);
    memories.watch();
    memories.rebuild();
    changes = [];
    memories.index.subscribe((c) => changes.push(c));
});

const file = (path: string) => app.vault.getFileByPath(path) as TFile;

describe("the vault's memories", () => {
    it("reads only notes with an id inside the memories folder", () => {
        expect(memories.memoryAt(OLDER)?.id).toBe("mem-20261120-aaaaaa");
        expect(memories.memoryAt("notes/plain.md")).toBeUndefined();
        expect(memories.memories().all().every((m) => inFolder(m.path, folder))).toBe(true);
        expect(memories.counters.scans).toBe(1);
    });

    it("follows a frontmatter edit once the cache has parsed it, from the event's own text", async () => {
        await app.vault.modify(file(OLDER), MINED_PAIR[OLDER].replace("status: active", "status: deprecated"));
        expect(memories.memoryAt(OLDER)?.status).toBe("active");
        await settle();
        expect(memories.memoryAt(OLDER)?.status).toBe("deprecated");
        expect(changes.map((c) => c.paths)).toEqual([[OLDER]]);
        const reads = memories.counters.reads;
        expect(await memories.snippet(memories.memoryAt(OLDER)!)).toMatch(/first failure stops the run/);
        expect(memories.counters.reads).toBe(reads); // the text came with the event
    });

    it("wakes nobody for a save that changes neither properties nor first paragraph", async () => {
        await app.vault.modify(file(OLDER), `${MINED_PAIR[OLDER]}\nA second paragraph.\n`);
        await settle();
        expect(changes).toEqual([]);
        await app.vault.modify(file(OLDER), MINED_PAIR[OLDER].replace("so the first failure", "so that the first failure"));
        await settle();
        expect(changes.map((c) => c.paths)).toEqual([[OLDER]]);
    });

    it("ignores notes outside the folder, and notes that are not memories", async () => {
        await app.vault.modify(file("notes/plain.md"), "---\nid: x\n---\n");
        await settle();
        expect(changes).toEqual([]);
        expect(memories.memoryAt("notes/plain.md")).toBeUndefined();
    });

    it("follows a rename inside the folder, a move out of it and a move back in", async () => {
        await app.vault.rename(file(OLDER), "memem/memories/example-app/Tests run with pytest -x.md");
        expect(memories.memoryAt(OLDER)).toBeUndefined();
        expect(memories.memoryAt("memem/memories/example-app/Tests run with pytest -x.md")?.id).toBe("mem-20261120-aaaaaa");
        await app.vault.rename(file("memem/memories/example-app/Tests run with pytest -x.md"), "archive/Tests.md");
        expect(memories.memories().all().some((m) => m.id === "mem-20261120-aaaaaa")).toBe(false);
        await app.vault.rename(file("archive/Tests.md"), OLDER);
        expect(memories.memoryAt(OLDER)?.id).toBe("mem-20261120-aaaaaa");
        expect(changes).toHaveLength(3);
        expect(memories.counters.scans).toBe(1);
    });

    it("drops a deleted note", async () => {
        await app.fileManager.trashFile(file(NEWER));
        expect(memories.memoryAt(NEWER)).toBeUndefined();
        expect(changes.map((c) => c.paths)).toEqual([[NEWER]]);
    });

    it("reads a note's first paragraph once per version, cut to the length asked", async () => {
        const memory = memories.memoryAt(NEWER)!;
        const reads = memories.counters.reads;
        expect(await memories.snippet(memory)).toBe("CI runs the whole suite without -x so every failure shows in one run.");
        expect(await memories.snippet(memory, 20)).toBe("CI runs the whole s…");
        expect(memories.counters.reads).toBe(reads + 1);
    });

    it("starts again from the cache when the memories folder changes", () => {
        folder = "notes";
        memories.rebuild();
        expect(memories.memories().size).toBe(0);
        expect(memories.counters.scans).toBe(2);
        expect(changes.at(-1)?.paths).toContain(OLDER);
    });
});
