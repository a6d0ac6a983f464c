/**
 * The actions executed through the Obsidian API stand-in on real note text. The stand-in parses after a
 * write a task later, as Obsidian's metadata cache does, so `settle()` waits for the cache like the app.
 */

import { beforeEach, describe, expect, it } from "vitest";
import type { UndoEntry } from "../../src/memory/undo";
import { isEditOf, MemoryActions, newId } from "../../src/obsidian/actions";
import { VaultMemories } from "../../src/obsidian/vault-memories";
import { App, memoryStorage, noticeEls, notices } from "../shim/obsidian";
import { frontmatterOf, MINED_PAIR, templateFiles } from "../fixtures";

const FOLDER = "memem/memories";
const OLDER = "memem/memories/Tests run with pytest -x.md";
const NEWER = "memem/memories/Tests run without -x.md";
const SUCCESSOR = "memem/memories/example-app/Run tests with pytest -x before pushing.md";

let storage: ReturnType<typeof memoryStorage>;
let app: App;
let vault: VaultMemories;
let actions: MemoryActions;
/** What the actions told memem's event log. */
let logged: UndoEntry[];

async function start(files: Record<string, string>): Promise<void> {
    storage = memoryStorage(files);
    app = new App(storage);
    await app.vault.load();
    vault = new VaultMemories(app as never, () => FOLDER);
    vault.watch();
    vault.rebuild();
    logged = [];
    actions = new MemoryActions(app as never, vault, () => FOLDER, (entry) => logged.push(entry));
}

beforeEach(() => start({ ...templateFiles(), ...MINED_PAIR }));

/** Wait until every write has been parsed, as the metadata cache does some time after each write. */
const settle = async () => {
    do await new Promise((r) => setTimeout(r, 0));
    while (app.metadataCache.pending > 0);
};

const memory = (path: string) => {
    const found = actions.memoryAt(path);
    if (!found) throw new Error(`not a memory: ${path}`);
    return found;
};

describe("actions through processFrontMatter", () => {
    it("approve writes `reviewed` and keeps the body and unknown keys byte for byte", async () => {
        const before = storage.files[OLDER];
        await actions.approve(memory(OLDER));
        const after = storage.files[OLDER];
        expect(frontmatterOf(after).reviewed).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(frontmatterOf(after).custom_key).toBe("kept as is");
        expect(after.split("\n---\n")[1]).toBe(before.split("\n---\n")[1]);
        expect(after).toContain('  - "[[Tests run without -x]]"'); // Obsidian-style YAML: quoted wikilinks
        expect(notices.at(-1)).toBe("memem: Approved “Tests run with pytest -x”");
        expect(actions.memoryAt(OLDER)?.reviewed).toBeUndefined(); // the cache has not parsed the write yet
        await settle();
        expect(actions.memoryAt(OLDER)?.reviewed).toBeTruthy(); // now the index follows the cache
    });

    it("approves without scanning the vault, reading only the note it edits", async () => {
        const scans = vault.counters.scans;
        let listed = 0;
        const original = app.vault.getMarkdownFiles.bind(app.vault);
        app.vault.getMarkdownFiles = () => {
            listed += 1;
            return original();
        };
        await actions.approve(memory(OLDER));
        await settle();
        expect(listed).toBe(0);
        expect(vault.counters.scans).toBe(scans);
    });

    it("deprecate with a successor edits both notes", async () => {
        const successor = memory(SUCCESSOR);
        await actions.deprecate(memory(OLDER), successor);
        expect(frontmatterOf(storage.files[OLDER])).toMatchObject({ status: "deprecated" });
        expect(frontmatterOf(storage.files[successor.path]).supersedes).toEqual(["[[Tests run with pytest -x]]"]);
    });

    it("reject moves the note to the trash, recoverable", async () => {
        await actions.reject(memory(NEWER));
        expect(storage.trashed).toEqual([NEWER]);
        expect(actions.memoryAt(NEWER)).toBeUndefined();
        expect(notices.at(-1)).toBe("memem: Moved “Tests run without -x” to the trash");
    });

    it("keep both and keep one resolve the pair and mark the kept notes reviewed", async () => {
        await actions.keepBoth(memory(OLDER), memory(NEWER));
        expect(frontmatterOf(storage.files[OLDER]).consistent_with).toEqual(["[[Tests run without -x]]"]);
        expect(frontmatterOf(storage.files[NEWER]).contradicts).toBeUndefined();
        expect(frontmatterOf(storage.files[OLDER]).reviewed).toMatch(/^\d{4}-/);
        expect(frontmatterOf(storage.files[NEWER]).reviewed).toMatch(/^\d{4}-/);
    });

    it("merge creates one unreviewed note in the originals' folder that supersedes both, under a free name", async () => {
        await start({ ...templateFiles(), ...MINED_PAIR, "memem/memories/Tests run with pytest -x (merged).md": "taken" });
        const created = await actions.merge(memory(OLDER), memory(NEWER));
        expect(created?.path).toBe("memem/memories/Tests run with pytest -x (merged) 2.md");
        const fm = frontmatterOf(storage.files[created!.path]);
        expect(fm.id).toMatch(/^mem-\d{8}-[a-z0-9]{6}$/);
        expect(fm.reviewed).toBeUndefined();
        expect(fm.project).toBe("example-app");
        expect(fm.supersedes).toEqual(["[[Tests run with pytest -x]]", "[[Tests run without -x]]"]);
        expect(frontmatterOf(storage.files[OLDER]).status).toBe("deprecated");
        expect(storage.files["memem/memories/Tests run with pytest -x (merged).md"]).toBe("taken");
    });

    it("numbers a merged note past every name already taken", async () => {
        const taken = "memem/memories/Tests run with pytest -x (merged)";
        await start({ ...templateFiles(), ...MINED_PAIR, [`${taken}.md`]: "taken", [`${taken} 2.md`]: "taken too" });
        const created = await actions.merge(memory(OLDER), memory(NEWER));
        expect(created?.path).toBe(`${taken} 3.md`);
    });

    it("merges two memories of a project folder into that folder, linking them by unambiguous link text", async () => {
        const a = "memem/memories/example-app/Use uv for Python installs.md";
        await start({ ...templateFiles(), "memem/memories/other/Use uv for Python installs.md": "---\nid: x\n---\n" });
        const created = await actions.merge(memory(a), memory(SUCCESSOR));
        expect(created?.path.startsWith("memem/memories/example-app/")).toBe(true);
        // Two notes share the name: Obsidian's link text for this one is its path.
        expect(frontmatterOf(storage.files[created!.path]).supersedes).toEqual([
            "[[memem/memories/example-app/Use uv for Python installs]]",
            "[[Run tests with pytest -x before pushing]]",
        ]);
    });

    it("refuses to act on a note that vanished, changing nothing", async () => {
        const older = memory(OLDER);
        const newer = memory(NEWER);
        await actions.reject(newer);
        const before = storage.files[OLDER];
        await expect(actions.keep(older, newer)).rejects.toThrow(/moved or deleted/);
        expect(storage.files[OLDER]).toBe(before);
    });

    it("makes ids in memem's format", () => {
        expect(newId(new Date(2026, 10, 24))).toMatch(/^mem-20261124-[a-z0-9]{6}$/);
    });
});

describe("undo", () => {
    it("puts back every file a keep touched, byte for byte", async () => {
        const before = { [OLDER]: storage.files[OLDER], [NEWER]: storage.files[NEWER] };
        await actions.keep(memory(NEWER), memory(OLDER));
        expect(storage.files[OLDER]).not.toBe(before[OLDER]);
        expect(await actions.undo()).toBe(true);
        expect(storage.files[OLDER]).toBe(before[OLDER]);
        expect(storage.files[NEWER]).toBe(before[NEWER]);
        expect(notices.at(-1)).toBe("memem: undid “Kept “Tests run without -x”; “Tests run with pytest -x” deprecated”");
        expect(await actions.undo()).toBe(false);
        expect(notices.at(-1)).toBe("memem: Nothing to undo.");
    });

    it("brings a rejected note back and removes a merged one", async () => {
        const text = storage.files[NEWER];
        await actions.reject(memory(NEWER));
        await actions.undo();
        expect(storage.files[NEWER]).toBe(text);
        await settle();
        const created = await actions.merge(memory(OLDER), memory(NEWER));
        await actions.undo();
        expect(storage.files[created!.path]).toBeUndefined();
        expect(storage.trashed).toContain(created!.path);
        expect(frontmatterOf(storage.files[OLDER]).status).toBe("active");
    });

    it("never overwrites a note edited since the action", async () => {
        await actions.approve(memory(OLDER));
        const file = app.vault.getFileByPath(OLDER)!;
        await app.vault.modify(file, `${storage.files[OLDER]}\nA line the person added.\n`);
        const edited = storage.files[OLDER];
        expect(await actions.undo()).toBe(false);
        expect(storage.files[OLDER]).toBe(edited);
        expect(notices.at(-1)).toMatch(/changed since .*nothing was undone/);
    });

    it("is offered on the action's notice", async () => {
        const before = storage.files[OLDER];
        await actions.approve(memory(OLDER));
        const undo = noticeEls.at(-1)?.querySelector("button.memem-undo") as HTMLButtonElement;
        expect(undo.textContent).toBe("Undo");
        undo.click();
        await settle();
        expect(storage.files[OLDER]).toBe(before);
    });
});

describe("undo racing an edit", () => {
    it("never overwrites an edit that lands after undo compared the note: compare and write are one step", async () => {
        await actions.approve(memory(OLDER));
        const file = app.vault.getFileByPath(OLDER)!;
        // The person's edit lands right after undo has read the note and found it as the action left it.
        const read = app.vault.read.bind(app.vault);
        let armed = true;
        app.vault.read = async (f) => {
            const text = await read(f);
            if (armed && f.path === OLDER) {
                armed = false;
                await app.vault.modify(file, `${text}\nTyped while undo ran.\n`);
            }
            return text;
        };
        expect(await actions.undo()).toBe(false);
        expect(storage.files[OLDER]).toMatch(/Typed while undo ran\.\n$/);
        expect(frontmatterOf(storage.files[OLDER]).reviewed).toBeTruthy(); // the approval stays, with the edit
        expect(notices.at(-1)).toBe(`memem: ${OLDER} changed since “Approved “Tests run with pytest -x””; nothing was undone.`);
        expect(actions.journal.peek()?.summary).toBe("Approved “Tests run with pytest -x”");
    });

    it("refuses, without writing, a note that is gone by the time it is written", async () => {
        await actions.approve(memory(OLDER));
        const read = app.vault.read.bind(app.vault);
        app.vault.read = async (f) => {
            const text = await read(f);
            await app.vault.trash(f, false);
            return text;
        };
        expect(await actions.undo()).toBe(false);
        expect(storage.trashed).toEqual([OLDER]);
        expect(storage.files[OLDER]).toBeUndefined();
    });

    it("passes on a failure of the vault itself", async () => {
        await actions.approve(memory(OLDER));
        app.vault.process = () => Promise.reject(new Error("disk full"));
        await expect(actions.undo()).rejects.toThrow("disk full");
    });
});

describe("an edit landing while an action writes", () => {
    /** Run `land` just before or just after Obsidian's edit of `path`, as a person typing or a sync would. */
    const landing = (when: "before" | "after", path: string, land: (text: string) => string) => {
        const process = app.fileManager.processFrontMatter.bind(app.fileManager);
        app.fileManager.processFrontMatter = async (file, fn) => {
            const edit = () => app.vault.modify(file, land(storage.files[file.path]));
            if (when === "before" && file.path === path) await edit();
            await process(file, fn);
            if (when === "after" && file.path === path) await edit();
        };
    };

    it.each([
        ["before", "body", (t: string) => `${t}Typed just before.\n`],
        ["after", "body", (t: string) => `${t}Typed just after.\n`],
        ["before", "properties", (t: string) => t.replace("layer: 2", "layer: 1")],
        ["after", "properties", (t: string) => t.replace("layer: 2", "layer: 1")],
    ] as const)("keeps it out of undo's reach (%s, in the %s)", async (when, _where, land) => {
        landing(when, NEWER, land);
        await actions.keep(memory(OLDER), memory(NEWER));
        const edited = storage.files[NEWER];
        expect(frontmatterOf(edited).status).toBe("deprecated"); // the action itself went through
        expect(notices.at(-1)).toBe(
            `memem: Kept “Tests run with pytest -x”; “Tests run without -x” deprecated. ${NEWER} changed at the same moment, so this cannot be undone.`,
        );
        expect(noticeEls.at(-1)?.querySelector("button.memem-undo")).toBeNull();
        expect(logged).toEqual([]); // nor through `memem undo`
        expect(await actions.undo()).toBe(false);
        expect(notices.at(-1)).toBe("memem: Nothing to undo.");
        expect(storage.files[NEWER]).toBe(edited);
    });

    it("leaves no earlier action to undo either, and records the next one nothing interfered with", async () => {
        await actions.approve(memory(OLDER));
        landing("after", NEWER, (t) => `${t}Typed.\n`);
        await actions.approve(memory(NEWER));
        expect(actions.journal.peek()).toBeUndefined();
        expect(await actions.undo()).toBe(false);
        expect(frontmatterOf(storage.files[OLDER]).reviewed).toBeTruthy();
        await actions.deprecate(memory(OLDER));
        expect(actions.journal.peek()?.summary).toBe("Deprecated “Tests run with pytest -x”");
        expect(logged.map((e) => e.summary)).toEqual(["Approved “Tests run with pytest -x”", "Deprecated “Tests run with pytest -x”"]);
    });
});

describe("isEditOf", () => {
    const before = "---\nid: a\nlayer: 2\n---\nBody.\n";
    const after = "---\nid: a\nlayer: 2\nreviewed: 2026-12-01\n---\nBody.\n";
    const seen = { handed: JSON.stringify({ id: "a", layer: 2 }), left: JSON.stringify({ id: "a", layer: 2, reviewed: "2026-12-01" }) };

    it("holds for the edit alone, and fails for anything else in either text", () => {
        expect(isEditOf(before, after, seen)).toBe(true);
        expect(isEditOf(before, after.replace("Body.", "Body, edited."), seen)).toBe(false);
        expect(isEditOf(before.replace("layer: 2", "layer: 3"), after, seen)).toBe(false);
        expect(isEditOf(before, after.replace("layer: 2", "layer: 3"), seen)).toBe(false);
        expect(isEditOf(before, after, { ...seen, left: seen.handed })).toBe(false);
    });

    it("reads a note without properties as none, and properties that do not parse as not the edit", () => {
        expect(isEditOf("Body.\n", "---\nid: a\n---\nBody.\n", { handed: "{}", left: JSON.stringify({ id: "a" }) })).toBe(true);
        expect(isEditOf("---\n---\nBody.\n", "---\nid: a\n---\nBody.\n", { handed: "{}", left: JSON.stringify({ id: "a" }) })).toBe(true);
        expect(isEditOf(before, "---\nid: [a\n---\nBody.\n", seen)).toBe(false);
        expect(isEditOf(before, "---\nid: [a\n---\nBody.\n", { ...seen, left: "null" })).toBe(false);
    });
});
