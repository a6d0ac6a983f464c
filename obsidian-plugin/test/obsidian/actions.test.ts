/** The actions executed through the (mocked at its edge) Obsidian API on real note text. */

import { beforeEach, describe, expect, it } from "vitest";
import { MemoryActions, newId } from "../../src/obsidian/actions";
import { App, memoryStorage, notices } from "../shim/obsidian";
import { frontmatterOf, MINED_PAIR, templateFiles } from "../fixtures";

const FOLDER = "memem/memories";
const OLDER = "memem/memories/Tests run with pytest -x.md";
const NEWER = "memem/memories/Tests run without -x.md";

let storage: ReturnType<typeof memoryStorage>;
let actions: MemoryActions;

beforeEach(async () => {
    storage = memoryStorage({ ...templateFiles(), ...MINED_PAIR });
    const app = new App(storage);
    await app.vault.load();
    actions = new MemoryActions(app as never, () => FOLDER);
});

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
        expect(notices.at(-1)).toMatch(/Approved/);
        expect(actions.memoryAt(OLDER)?.reviewed).toBeTruthy(); // the metadata cache saw the edit
    });

    it("deprecate with a successor edits both notes", async () => {
        const successor = memory("memem/memories/example-app/Run tests with pytest -x before pushing.md");
        await actions.deprecate(memory(OLDER), successor);
        expect(frontmatterOf(storage.files[OLDER])).toMatchObject({ status: "deprecated" });
        expect(frontmatterOf(storage.files[successor.path]).supersedes).toEqual(["[[Tests run with pytest -x]]"]);
    });

    it("reject moves the note to the trash, recoverable", async () => {
        await actions.reject(memory(NEWER));
        expect(storage.trashed).toEqual([NEWER]);
        expect(actions.memoryAt(NEWER)).toBeUndefined();
    });

    it("keep both and keep one resolve the pair", async () => {
        await actions.keepBoth(memory(OLDER), memory(NEWER));
        expect(frontmatterOf(storage.files[OLDER]).consistent_with).toEqual(["[[Tests run without -x]]"]);
        expect(frontmatterOf(storage.files[NEWER]).contradicts).toBeUndefined();
    });

    it("merge creates one new note that supersedes both, under a free name", async () => {
        storage.files["memem/memories/Tests run with pytest -x (merged).md"] = "taken";
        const app = new App(storage);
        await app.vault.load();
        actions = new MemoryActions(app as never, () => FOLDER);
        const created = await actions.merge(memory(OLDER), memory(NEWER));
        expect(created?.path).toBe("memem/memories/Tests run with pytest -x (merged) 2.md");
        const fm = frontmatterOf(storage.files[created!.path]);
        expect(fm.id).toMatch(/^mem-\d{8}-[a-z0-9]{6}$/);
        expect(fm.supersedes).toEqual(["[[Tests run with pytest -x]]", "[[Tests run without -x]]"]);
        expect(frontmatterOf(storage.files[OLDER]).status).toBe("deprecated");
        expect(storage.files["memem/memories/Tests run with pytest -x (merged).md"]).toBe("taken");
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
