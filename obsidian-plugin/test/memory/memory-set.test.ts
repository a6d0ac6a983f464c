/** Resolving typed links between memories: through Obsidian's resolver, else by name, id or title. */

import { beforeEach, describe, expect, it } from "vitest";
import type { Frontmatter } from "../../src/memory/links";
import { memoryFromFrontmatter, type Memory } from "../../src/memory/memory";
import { MemorySet } from "../../src/memory/memory-set";

const note = (path: string, fm: Frontmatter) => memoryFromFrontmatter(path, fm) as Memory;

const a = note("m/Alpha.md", { id: "mem-a", title: "First idea", supports: ["[[Beta]]", "[[Nowhere]]"] });
const b = note("m/Beta.md", { id: "mem-b", title: "Second idea", related: ["[[mem-a]]"] });
const c = note("m/Gamma.md", { id: "mem-c", title: "Third idea", supports: ["[[Nowhere]]", "[[second IDEA]]"], related: ["[[Beta]]"] });
// Same title and id as `a`, later in the vault: a fallback lookup keeps the first.
const twin = note("other/Twin.md", { id: "mem-a", title: "First idea" });

describe("memory set without a resolver (links by name, id or title)", () => {
    // A fresh set per test: lookups are built on first use, and each test should build its own.
    let set: MemorySet;
    beforeEach(() => {
        set = new MemorySet([a, b, c, twin]);
    });

    it("resolves a link by file name, id or title, ignoring case, first note first", () => {
        expect(set.resolve("BETA", a)?.path).toBe(b.path);
        expect(set.resolve("mem-c", a)?.path).toBe(c.path);
        expect(set.resolve("third idea", a)?.path).toBe(c.path);
        expect(set.resolve("First Idea", b)?.path).toBe(a.path);
        expect(set.resolve("twin", a)?.path).toBe(twin.path);
        expect(set.resolve("Nowhere", a)).toBeUndefined();
    });

    it("finds a memory by id, the first one holding it", () => {
        expect(set.byId("mem-b")).toBe(b);
        expect(set.byId("mem-a")).toBe(a);
        expect(set.byId("mem-x")).toBeUndefined();
    });

    it("follows typed links both ways, skipping links that reach no note", () => {
        expect(set.targets(a, "supports")).toEqual([b]);
        expect(set.reaches(a, "Nowhere", b)).toBe(false);
        expect(set.reaches(a, "Beta", b)).toBe(true);
        expect(set.sources(b, "supports")).toEqual([a, c]);
        expect(set.sources(b, "related")).toEqual([c]);
        expect(set.sources(a, "related")).toEqual([b]);
        expect(set.sources(c, "supports")).toEqual([]);
    });

    it("sees a link written on either side", () => {
        expect(set.linked(a, b, "supports")).toBe(true);
        expect(set.linked(b, a, "supports")).toBe(true);
        expect(set.linked(a, c, "supports")).toBe(false);
    });
});

describe("memory set with Obsidian's resolver", () => {
    it("takes the note the resolver names over a fallback match, and no fallback when it names none", () => {
        // "Beta" written in m/ reaches m/Gamma.md (say, an alias); "Gamma" reaches nothing the set holds.
        const resolver = (linkpath: string) => (linkpath === "Beta" ? c.path : linkpath === "Gamma" ? "elsewhere/Gamma.md" : null);
        const set = new MemorySet([a, b, c], resolver);
        expect(set.resolve("Beta", a)?.path).toBe(c.path);
        expect(set.resolve("Gamma", a)).toBeUndefined();
        expect(set.resolve("mem-b", a)?.path).toBe(b.path);
    });
});
