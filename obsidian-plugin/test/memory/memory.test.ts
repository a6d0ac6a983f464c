/** Reading a memory from a note's frontmatter, whatever shape the YAML gave, and saying where it came from. */

import { describe, expect, it } from "vitest";
import { basename, dateText, memoryFromFrontmatter, type Memory, origin, teamOf, today } from "../../src/memory/memory";

describe("memoryFromFrontmatter", () => {
    it("trims text fields, and falls back to the file name for a blank title", () => {
        const m = memoryFromFrontmatter("m/Note.md", { id: "  mem-1 ", title: "  Padded  ", kind: " fact ", status: " deprecated " })!;
        expect(m).toMatchObject({ id: "mem-1", title: "Padded", kind: "fact", status: "deprecated" });
        expect(memoryFromFrontmatter("m/Note.md", { id: "x", title: "   " })!.title).toBe("Note");
        expect(memoryFromFrontmatter("m/Note.md", { id: "   " })).toBeNull();
        expect(memoryFromFrontmatter("m/Note.md", null)).toBeNull();
    });

    it("takes a number layer, a numeric text layer, and nothing else", () => {
        expect(memoryFromFrontmatter("a.md", { id: "x", layer: 1 })!.layer).toBe(1);
        expect(memoryFromFrontmatter("a.md", { id: "x", layer: "3" })!.layer).toBe(3);
        expect(memoryFromFrontmatter("a.md", { id: "x", layer: "deep" })!.layer).toBeUndefined();
        expect(memoryFromFrontmatter("a.md", { id: "x", layer: ["1"] })!.layer).toBeUndefined();
    });

    it("drops empty tags and empty list items in links", () => {
        const m = memoryFromFrontmatter("a.md", { id: "x", tags: ["testing", ""], related: ["[[A]]", null, ""], supports: "" })!;
        expect(m.tags).toEqual(["testing"]);
        expect(m.links.related).toEqual(["A"]);
        expect(m.links.supports).toEqual([]);
    });

    it("keeps where it came from and why it was flagged", () => {
        const m = memoryFromFrontmatter("a.md", {
            id: "x",
            project: "app",
            source_type: "mined",
            source_session: "s-1",
            contradiction_evidence: " CI needs every failure ",
            reviewed: "2026-11-24",
        })!;
        expect(m).toMatchObject({ project: "app", sourceType: "mined", sourceSession: "s-1", reason: "CI needs every failure", reviewed: "2026-11-24" });
    });
});

describe("dateText", () => {
    it("reads dates as YAML parsers hand them over", () => {
        expect(dateText(new Date("2026-01-02T00:00:00Z"))).toBe("2026-01-02");
        expect(dateText("  2026-01-02 ")).toBe("2026-01-02");
        expect(dateText(20260102)).toBe("20260102");
        expect(dateText("   ")).toBeUndefined();
        expect(dateText(new Date("not a date"))).toBeUndefined();
        expect(dateText(null)).toBeUndefined();
    });
});

describe("basename", () => {
    it("strips only a .md extension, in any case", () => {
        expect(basename("a/b/Note.md")).toBe("Note");
        expect(basename("Note.MD")).toBe("Note");
        expect(basename("a/notes.txt")).toBe("notes.txt");
    });
});

describe("today", () => {
    it("writes the local date with two-digit month and day", () => {
        expect(today(new Date(2026, 0, 5))).toBe("2026-01-05");
    });
});

describe("origin", () => {
    const base = { created: "2026-03-02" } as Memory;
    it("says how each kind of source came in, with the date when known", () => {
        expect(origin({ ...base, sourceType: "mined" })).toBe("learned from a Claude Code session on 2026-03-02");
        expect(origin({ ...base, sourceType: "import" })).toBe("imported on 2026-03-02");
        expect(origin({ ...base, sourceType: "user" })).toBe("saved on 2026-03-02");
        expect(origin({ ...base, sourceType: "other" })).toBe("written 2026-03-02");
        expect(origin({ sourceType: "mined" } as Memory)).toBe("learned from a Claude Code session");
        expect(origin({ sourceType: "user" } as Memory)).toBe("saved");
        expect(origin({} as Memory)).toBe("");
    });

    it("names the team a team vault's memory comes from, before how it came in", () => {
        expect(origin({ ...base, sourceType: "user", team: "acme" })).toBe("team acme · saved on 2026-03-02");
        expect(origin({ team: "acme" } as Memory)).toBe("team acme");
    });
});

describe("teamOf", () => {
    it("reads the team from a note under memem/teams/<team>/memories, as the daemon does", () => {
        expect(teamOf("memem/teams/acme/memories/a.md")).toBe("acme");
        expect(teamOf("memem/teams/Acme_2-x/memories/sub/a.MD")).toBe("Acme_2-x");
        expect(teamOf(`memem/teams/${"a".repeat(40)}/memories/a.md`)).toBe("a".repeat(40));
        expect(teamOf(`memem/teams/${"a".repeat(41)}/memories/a.md`)).toBeUndefined();
        expect(teamOf("memem/teams/-acme/memories/a.md")).toBeUndefined();
        expect(teamOf("memem/teams/.acme/memories/a.md")).toBeUndefined();
        expect(teamOf("memem/teams/acme/README.md")).toBeUndefined(); // outside the team's notes
        expect(teamOf("memem/teams/acme/memories/a.txt")).toBeUndefined();
        expect(teamOf("memem/memories/teams/acme/memories/a.md")).toBeUndefined();
        expect(teamOf("x/memem/teams/acme/memories/a.md")).toBeUndefined();
        expect(teamOf("memem/teams/acme/memories/.md")).toBeUndefined();
    });

    it("is set on the memory read from such a note, and absent on the person's own", () => {
        expect(memoryFromFrontmatter("memem/teams/acme/memories/a.md", { id: "t" })?.team).toBe("acme");
        expect(memoryFromFrontmatter("memem/memories/a.md", { id: "m" })?.team).toBeUndefined();
    });
});
