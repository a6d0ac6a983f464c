import { describe, expect, it } from "vitest";
import { addLink, linkTarget, removeLinks } from "../../src/memory/links";
import { memoryFromFrontmatter } from "../../src/memory/memory";
import { noteStem, numbered } from "../../src/memory/names";
import { snippet } from "../../src/memory/snippet";

describe("links", () => {
    it.each([
        ["[[Use uv]]", "Use uv"],
        ["[[Use uv|uv]]", "Use uv"],
        ["[[Use uv#Why]]", "Use uv"],
        ["![[Use uv]]", "Use uv"],
        ["[[folder/Use uv.md]]", "folder/Use uv"],
        ["Use uv", "Use uv"],
        ["", null],
        [42, null],
    ])("linkTarget(%j) is %j", (value, expected) => {
        expect(linkTarget(value)).toBe(expected);
    });

    it("adds to a scalar link written by hand, without duplicates", () => {
        const fm: Record<string, unknown> = { related: "[[A]]" };
        addLink(fm, "related", "B");
        addLink(fm, "related", "a");
        expect(fm.related).toEqual(["[[A]]", "[[B]]"]);
    });

    it("removes matching links and drops the emptied property", () => {
        const fm: Record<string, unknown> = { contradicts: ["[[A|alias]]", "[[B]]"] };
        expect(removeLinks(fm, "contradicts", (t) => t === "A")).toBe(1);
        expect(fm.contradicts).toEqual(["[[B]]"]);
        removeLinks(fm, "contradicts", (t) => t === "B");
        expect("contradicts" in fm).toBe(false);
    });

    it.each([
        ["  [[Use uv]]  ", "Use uv"],
        ["[[Use uv |uv]]", "Use uv"],
        ["[[Use uv", "[[Use uv"], // half-written by hand: kept as text
        ["Use uv]]", "Use uv]]"],
    ])("linkTarget(%j) is %j, as typed by hand", (value, expected) => {
        expect(linkTarget(value)).toBe(expected);
    });

    it("adds to a property Obsidian left empty (null or blank), and past an empty list item", () => {
        for (const empty of [null, ""]) {
            const fm: Record<string, unknown> = { related: empty };
            addLink(fm, "related", "B");
            expect(fm.related).toEqual(["[[B]]"]);
        }
        const fm: Record<string, unknown> = { related: [null, "[[A]]"] };
        addLink(fm, "related", "A");
        addLink(fm, "related", "B");
        expect(fm.related).toEqual([null, "[[A]]", "[[B]]"]);
    });

    it("leaves a property as written when nothing matches, and never drops a value that is no link", () => {
        const fm: Record<string, unknown> = { contradicts: "[[B]]", related: null };
        expect(removeLinks(fm, "contradicts", (t) => t === "A")).toBe(0);
        expect(fm.contradicts).toBe("[[B]]");
        expect(removeLinks(fm, "related", () => true)).toBe(0);
        expect(fm).toHaveProperty("related", null);
        const mixed: Record<string, unknown> = { contradicts: [null, "[[A]]"] };
        expect(removeLinks(mixed, "contradicts", () => true)).toBe(1);
        expect(mixed.contradicts).toEqual([null]);
    });

    it("reads a memory's fields whatever YAML gave (dates as Date, numbers as text)", () => {
        const m = memoryFromFrontmatter("m/A.md", { id: 7, layer: "1", created: new Date("2026-01-02"), tags: "solo" })!;
        expect(m).toMatchObject({ id: "7", layer: 1, created: "2026-01-02", tags: ["solo"], status: "active", name: "A" });
    });
});

describe("names and snippets", () => {
    it("makes file names Obsidian accepts", () => {
        expect(noteStem('Use "uv": not pip/poetry?')).toBe("Use uv not pip poetry");
        expect(noteStem("CON")).toBe("memory");
        expect(numbered("Title", 2)).toBe("Title 2");
    });

    it("takes the first paragraph, links reduced to their text", () => {
        const text = "---\nid: x\n---\n\n# Heading\n\nUse [[Use uv|uv]] and [docs](https://x) *now*.\n\nMore.";
        expect(snippet(text)).toBe("Use uv and docs now.");
        expect(snippet("a ".repeat(200), 20)).toHaveLength(20);
    });
});
