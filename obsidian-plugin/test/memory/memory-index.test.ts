import { describe, expect, it } from "vitest";
import { type IndexChange, MemoryIndex, sameMemory } from "../../src/memory/memory-index";
import { memoryFromFrontmatter, type Memory } from "../../src/memory/memory";
import { frontmatterOf, MINED_PAIR } from "../fixtures";

const OLDER = "memem/memories/Tests run with pytest -x.md";
const NEWER = "memem/memories/Tests run without -x.md";
const load = (path: string, text = MINED_PAIR[path], mtime = 1) => memoryFromFrontmatter(path, frontmatterOf(text), mtime) as Memory;

function watched(): { index: MemoryIndex; changes: IndexChange[] } {
    const index = new MemoryIndex((linkpath) => (linkpath === "Tests run without -x" ? NEWER : linkpath === "Tests run with pytest -x" ? OLDER : null));
    const changes: IndexChange[] = [];
    index.subscribe((change) => changes.push(change));
    index.reset([load(OLDER), load(NEWER)]);
    return { index, changes };
}

describe("memory index", () => {
    it("starts from one reset that names every path, at revision 1", () => {
        const { index, changes } = watched();
        expect(index.size).toBe(2);
        expect(index.revision).toBe(1);
        expect(changes).toEqual([{ revision: 1, paths: [OLDER, NEWER] }]);
        expect(index.get(OLDER)?.title).toBe("Tests run with pytest -x");
    });

    it("names removed paths when it is reset again", () => {
        const { index, changes } = watched();
        index.reset([load(NEWER)]);
        expect(changes.at(-1)).toEqual({ revision: 2, paths: [OLDER, NEWER] });
        expect(index.get(OLDER)).toBeUndefined();
    });

    it("ignores a change that changes nothing it holds, keeping the very same objects", () => {
        const { index, changes } = watched();
        const held = index.get(OLDER);
        const snapshot = index.snapshot();
        index.put(OLDER, load(OLDER, MINED_PAIR[OLDER], 1));
        expect(changes).toHaveLength(1);
        expect(index.get(OLDER)).toBe(held);
        expect(index.snapshot()).toBe(snapshot);
    });

    it("records a frontmatter change, or a body change it is told of, with the one path", () => {
        const { index, changes } = watched();
        index.put(OLDER, load(OLDER, MINED_PAIR[OLDER].replace("status: active", "status: deprecated")));
        expect(changes.at(-1)).toEqual({ revision: 2, paths: [OLDER] });
        expect(index.get(OLDER)?.status).toBe("deprecated");
        index.put(NEWER, load(NEWER), true);
        expect(changes.at(-1)).toEqual({ revision: 3, paths: [NEWER] });
    });

    it("rebuilds its snapshot once per revision, with links resolved", () => {
        const { index } = watched();
        const first = index.snapshot();
        expect(index.snapshot()).toBe(first);
        expect(first.targets(first.byPath(OLDER)!, "contradicts").map((m) => m.path)).toEqual([NEWER]);
        index.delete(NEWER);
        const second = index.snapshot();
        expect(second).not.toBe(first);
        expect(second.size).toBe(1);
        expect(second.targets(second.byPath(OLDER)!, "contradicts")).toEqual([]);
    });

    it("drops a note that stops being a memory, and ignores one that never was", () => {
        const { index, changes } = watched();
        index.put("notes/plain.md", null);
        index.delete("notes/other.md");
        expect(changes).toHaveLength(1);
        index.put(OLDER, null);
        expect(changes.at(-1)).toEqual({ revision: 2, paths: [OLDER] });
        expect(index.size).toBe(1);
    });

    it("follows a rename, a move out of the folder and a move into it", () => {
        const { index, changes } = watched();
        const moved = { ...load(OLDER), path: "memem/memories/x/Tests.md" };
        index.rename(OLDER, moved.path, moved);
        expect(index.get(OLDER)).toBeUndefined();
        expect(index.get(moved.path)).toBe(moved);
        expect(changes.at(-1)).toEqual({ revision: 2, paths: [OLDER, moved.path] });
        index.rename(moved.path, "elsewhere/Tests.md", null);
        expect(index.size).toBe(1);
        expect(changes.at(-1)?.revision).toBe(3);
        index.rename("a.md", "b.md", null);
        expect(changes).toHaveLength(3);
    });

    it("stops calling a listener that unsubscribed", () => {
        const index = new MemoryIndex();
        const seen: number[] = [];
        const stop = index.subscribe((c) => seen.push(c.revision));
        index.put(OLDER, load(OLDER));
        stop();
        index.put(NEWER, load(NEWER));
        expect(seen).toEqual([1]);
    });
});

describe("sameMemory", () => {
    const base = load(NEWER);
    it("sees every field a pane shows or a rule reads", () => {
        expect(sameMemory(base, { ...base })).toBe(true);
        for (const change of [
            { title: "x" },
            { status: "deprecated" },
            { reviewed: "2026-12-01" },
            { project: "other" },
            { kind: "fact" },
            { layer: 1 },
            { reason: "because" },
            { tags: ["testing"] },
            { links: { ...base.links, supersedes: ["x"] } },
            { path: "memem/memories/Moved.md" },
            { id: "mem-other" },
            { created: "2026-12-01" },
            { sourceType: "user" },
            { sourceSession: "another-session" },
        ] as Partial<Memory>[]) {
            expect(sameMemory(base, { ...base, ...change }), JSON.stringify(change)).toBe(false);
        }
    });

    it("lets the mtime order notes only when they have no creation date", () => {
        expect(sameMemory(base, { ...base, mtime: 99 })).toBe(true);
        const undated = { ...base, created: undefined };
        expect(sameMemory(undated, { ...undated, mtime: 99 })).toBe(false);
        expect(sameMemory(undated, { ...undated })).toBe(true);
    });

    it("tells lists apart by their items, not by their text run together", () => {
        expect(sameMemory({ ...base, tags: ["ab"] }, { ...base, tags: ["a", "b"] })).toBe(false);
        const links = (related: string[]) => ({ ...base, links: { ...base.links, related } });
        expect(sameMemory(links(["ab"]), links(["a", "b"]))).toBe(false);
        expect(sameMemory(links(["a", "b"]), links(["a", "b"]))).toBe(true);
        expect(sameMemory({ ...base, tags: ["a", "b"] }, { ...base, tags: ["a", "b"] })).toBe(true);
    });
});
