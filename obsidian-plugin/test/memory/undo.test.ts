import { describe, expect, it } from "vitest";
import { type TextFiles, UndoJournal } from "../../src/memory/undo";

/** Files in a map. `replace` compares and writes in one step, as `vault.process` does; `meanwhile` runs
 *  just before a path's next `replace`, as an edit landing while undo runs would. */
function vault(files: Record<string, string>) {
    const trashed: string[] = [];
    const written: string[] = [];
    const meanwhile: Record<string, () => void> = {};
    const textFiles: TextFiles = {
        read: async (path) => files[path] ?? null,
        replace: async (path, expected, text) => {
            meanwhile[path]?.();
            delete meanwhile[path];
            if (files[path] !== expected) return false;
            written.push(path);
            files[path] = text;
            return true;
        },
        create: async (path, text) => {
            if (path in files) throw new Error("exists");
            files[path] = text;
        },
        trash: async (path) => {
            trashed.push(path);
            delete files[path];
        },
    };
    return { ...textFiles, files, trashed, written, meanwhile };
}

describe("undo journal", () => {
    it("reverts an edit, a creation and a removal together", async () => {
        const files = vault({ "a.md": "a after", "new.md": "created" });
        const journal = new UndoJournal();
        journal.record({
            summary: "merged",
            touched: [
                { path: "a.md", before: "a before", after: "a after" },
                { path: "new.md", before: null, after: "created" },
                { path: "gone.md", before: "gone text", after: null },
            ],
        });
        expect(journal.peek()?.summary).toBe("merged");
        expect(await journal.undo(files)).toEqual({ undone: true, summary: "merged" });
        expect(files.files).toEqual({ "a.md": "a before", "gone.md": "gone text" });
        expect(files.trashed).toEqual(["new.md"]);
        expect(journal.peek()).toBeUndefined();
        expect(await journal.undo(files)).toEqual({ undone: false, why: "Nothing to undo." });
    });

    it("changes nothing when any file differs from what the action left", async () => {
        const files = vault({ "a.md": "a after", "b.md": "b edited by hand" });
        const journal = new UndoJournal();
        journal.record({
            summary: "kept a",
            touched: [
                { path: "a.md", before: "a before", after: "a after" },
                { path: "b.md", before: "b before", after: "b after" },
            ],
        });
        const result = await journal.undo(files);
        expect(result).toEqual({ undone: false, why: "b.md changed since “kept a”; nothing was undone." });
        expect(files.files).toEqual({ "a.md": "a after", "b.md": "b edited by hand" });
        expect(journal.peek()?.summary).toBe("kept a"); // still there to try again
    });

    it("refuses to bring back a removed note whose path was taken since", async () => {
        const files = vault({ "gone.md": "someone else's note" });
        const journal = new UndoJournal();
        journal.record({ summary: "rejected", touched: [{ path: "gone.md", before: "old", after: null }] });
        expect((await journal.undo(files)).undone).toBe(false);
        expect(files.files["gone.md"]).toBe("someone else's note");
    });

    it("keeps only the last action, and ignores one that changed nothing", async () => {
        const journal = new UndoJournal();
        journal.record({ summary: "first", touched: [{ path: "a.md", before: "1", after: "2" }] });
        journal.record({ summary: "noop", touched: [{ path: "a.md", before: "2", after: "2" }] });
        expect(journal.peek()?.summary).toBe("first");
        journal.record({ summary: "second", touched: [{ path: "a.md", before: "2", after: "3" }] });
        expect(journal.peek()?.summary).toBe("second");
        const files = vault({ "a.md": "3" });
        await journal.undo(files);
        expect(files.files["a.md"]).toBe("2");
    });
});

describe("undo journal, files the action left as they were", () => {
    it("records an action that changed any one of its files", () => {
        const journal = new UndoJournal();
        journal.record({
            summary: "kept a",
            touched: [
                { path: "a.md", before: "same", after: "same" },
                { path: "b.md", before: "b before", after: "b after" },
            ],
        });
        expect(journal.peek()?.summary).toBe("kept a");
    });

    it("writes, creates or trashes only what the action changed", async () => {
        const files = vault({ "a.md": "same", "b.md": "b after" });
        const journal = new UndoJournal();
        journal.record({
            summary: "kept a",
            touched: [
                { path: "a.md", before: "same", after: "same" },
                { path: "never.md", before: null, after: null },
                { path: "b.md", before: "b before", after: "b after" },
            ],
        });
        expect((await journal.undo(files)).undone).toBe(true);
        expect(files.written).toEqual(["b.md"]);
        expect(files.trashed).toEqual([]);
        expect(files.files).toEqual({ "a.md": "same", "b.md": "b before" });
    });
});

describe("undo journal, an edit landing while undo runs", () => {
    const entry = {
        summary: "kept a",
        touched: [
            { path: "a.md", before: "a before", after: "a after" },
            { path: "b.md", before: "b before", after: "b after" },
            { path: "c.md", before: "c before", after: "c after" },
            { path: "new.md", before: null, after: "created" },
            { path: "gone.md", before: "gone text", after: null },
        ],
    };

    it("is never overwritten: undo refuses, puts back what it already wrote, and can be tried again", async () => {
        const files = vault({ "a.md": "a after", "b.md": "b after", "c.md": "c after", "new.md": "created" });
        files.meanwhile["c.md"] = () => (files.files["c.md"] = "c typed by the person");
        const journal = new UndoJournal();
        journal.record(entry);
        expect(await journal.undo(files)).toEqual({ undone: false, why: "c.md changed since “kept a”; nothing was undone." });
        expect(files.files).toEqual({ "a.md": "a after", "b.md": "b after", "c.md": "c typed by the person", "new.md": "created" });
        expect(files.written).toEqual(["a.md", "b.md", "b.md", "a.md"]); // written, then put back, newest first
        expect(files.trashed).toEqual([]);
        expect(journal.peek()).toBe(entry);
    });

    it("keeps an edit that lands on a file it is putting back", async () => {
        const files = vault({ "a.md": "a after", "b.md": "b after", "c.md": "c after", "new.md": "created" });
        files.meanwhile["c.md"] = () => {
            files.files["c.md"] = "c typed";
            files.meanwhile["a.md"] = () => (files.files["a.md"] = "a typed");
        };
        const journal = new UndoJournal();
        journal.record(entry);
        expect((await journal.undo(files)).undone).toBe(false);
        expect(files.files).toMatchObject({ "a.md": "a typed", "b.md": "b after", "c.md": "c typed" });
    });

    it("writes the edits before it trashes or creates anything", async () => {
        const order: string[] = [];
        const files = vault({ "a.md": "a after", "b.md": "b after", "c.md": "c after", "new.md": "created" });
        const journal = new UndoJournal();
        journal.record({ ...entry, touched: [...entry.touched].reverse() });
        const logged: TextFiles = {
            read: files.read,
            replace: async (path, expected, text) => (order.push(`replace ${path}`), files.replace(path, expected, text)),
            create: async (path, text) => (order.push(`create ${path}`), files.create(path, text)),
            trash: async (path) => (order.push(`trash ${path}`), files.trash(path)),
        };
        expect((await journal.undo(logged)).undone).toBe(true);
        expect(order).toEqual(["replace c.md", "replace b.md", "replace a.md", "create gone.md", "trash new.md"]);
        expect(files.files).toEqual({ "a.md": "a before", "b.md": "b before", "c.md": "c before", "gone.md": "gone text" });
    });
});

describe("undo journal, forgetting", () => {
    it("leaves nothing to undo", async () => {
        const journal = new UndoJournal();
        journal.record({ summary: "first", touched: [{ path: "a.md", before: "1", after: "2" }] });
        journal.forget();
        expect(journal.peek()).toBeUndefined();
        expect(await journal.undo(vault({ "a.md": "2" }))).toEqual({ undone: false, why: "Nothing to undo." });
    });
});
