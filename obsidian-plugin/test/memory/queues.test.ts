import { describe, expect, it } from "vitest";
import { memoryFromFrontmatter } from "../../src/memory/memory";
import { MemorySet } from "../../src/memory/memory-set";
import { facets, GLOBAL, newestFirst, openContradictions, reviewQueue } from "../../src/memory/queues";
import { frontmatterOf, MINED_PAIR, memorySet, templateFiles } from "../fixtures";

const files = { ...templateFiles(), ...MINED_PAIR };

describe("review queue", () => {
    it("lists unreviewed active memories, newest first", () => {
        const queue = reviewQueue(memorySet(files)).map((m) => m.title);
        expect(queue).toEqual([
            "Tests run without -x",
            "Tests run with pytest -x",
            "CI runs the full suite without -x",
            "CI installs were slow with pip",
        ]);
        expect(queue).not.toContain("Lock dependencies with pip-tools"); // deprecated
    });

    it("drops a memory once it has `reviewed`", () => {
        const path = "memem/memories/Tests run without -x.md";
        const reviewed = { ...files, [path]: files[path].replace("status: active", "status: active\nreviewed: 2026-11-24") };
        expect(reviewQueue(memorySet(reviewed)).map((m) => m.path)).not.toContain(path);
    });

    it("filters by project (global included as its own choice) and kind", () => {
        const set = memorySet(files);
        expect(reviewQueue(set, { kind: "failure" }).map((m) => m.title)).toEqual(["CI installs were slow with pip"]);
        expect(reviewQueue(set, { project: "example-app" }).every((m) => m.project === "example-app")).toBe(true);
        expect(reviewQueue(set, { project: GLOBAL }).every((m) => !m.project)).toBe(true);
        const { projects, kinds } = facets(set);
        expect(projects).toContain("example-app");
        expect(kinds).toEqual(expect.arrayContaining(["convention", "failure"]));
    });

    it("is not fooled by notes without an id", () => {
        expect(memoryFromFrontmatter("Start here.md", frontmatterOf(files["Start here.md"]))).toBeNull();
    });
});

describe("open contradictions", () => {
    it("lists a pair linked both ways once, older on the left", () => {
        const pairs = openContradictions(memorySet(files));
        expect(pairs.map((p) => [p.left.title, p.right.title])).toEqual([
            ["Tests run with pytest -x", "Tests run without -x"],
            ["Run tests with pytest -x before pushing", "CI runs the full suite without -x"],
        ]);
    });

    it("forgets a pair once one side is deprecated or both are consistent_with", () => {
        const a = "memem/memories/Tests run with pytest -x.md";
        const b = "memem/memories/Tests run without -x.md";
        const deprecated = { ...files, [b]: files[b].replace("status: active", "status: deprecated") };
        expect(openContradictions(memorySet(deprecated))).toHaveLength(1);
        const settled = { ...files, [a]: files[a].replace("custom_key:", 'consistent_with:\n  - "[[Tests run without -x]]"\ncustom_key:') };
        expect(openContradictions(memorySet(settled))).toHaveLength(1);
    });

    it("counts a one-way link (written by hand) too", () => {
        const b = "memem/memories/Tests run without -x.md";
        const oneWay = { ...files, [b]: files[b].replace('contradicts:\n  - "[[Tests run with pytest -x]]"\n', "") };
        expect(openContradictions(memorySet(oneWay))).toHaveLength(2);
    });
});

describe("review queue over a mixed vault", () => {
    const note = (name: string, fm: Record<string, unknown>, mtime = 0) => memoryFromFrontmatter(`m/${name}.md`, { id: name, ...fm }, mtime)!;
    const set = new MemorySet([
        note("app-old", { project: "app", kind: "fact", created: "2026-01-01" }),
        note("app-new", { project: "app", created: "2026-02-01" }),
        note("global", { kind: "convention", created: "2026-01-15" }),
        note("other", { project: "other", kind: "fact", created: "2026-01-10" }),
        note("same-day-later", { project: "zeta", created: "2026-01-10" }, 5),
        note("undated", { project: "app" }),
        note("done", { project: "done-project", kind: "done-kind", reviewed: "2026-03-01" }),
        note("gone", { project: "gone-project", status: "deprecated" }),
    ]);
    const ids = (filter?: { project?: string; kind?: string }) => reviewQueue(set, filter).map((m) => m.id);

    it("orders by creation date, then by last edit on the same day, undated last", () => {
        expect(ids()).toEqual(["app-new", "global", "same-day-later", "other", "app-old", "undated"]);
    });

    it("filters by one project, by the global notes, or by kind", () => {
        expect(ids({ project: "app" })).toEqual(["app-new", "app-old", "undated"]);
        expect(ids({ project: GLOBAL })).toEqual(["global"]);
        expect(ids({ kind: "fact" })).toEqual(["other", "app-old"]);
        expect(ids({ project: "app", kind: "fact" })).toEqual(["app-old"]);
    });

    it("offers, sorted, only the projects and kinds of what awaits review", () => {
        expect(facets(set)).toEqual({ projects: [GLOBAL, "app", "other", "zeta"], kinds: ["convention", "fact"] });
    });
});

describe("newestFirst", () => {
    const at = (created: string | undefined, mtime: number) => memoryFromFrontmatter("m/x.md", { id: "x", created }, mtime)!;
    it("puts the later date first, then the later edit, and undated notes last", () => {
        expect(newestFirst(at("2026-02-01", 0), at("2026-01-01", 9))).toBeLessThan(0);
        expect(newestFirst(at("2026-01-01", 9), at("2026-02-01", 0))).toBeGreaterThan(0);
        expect(newestFirst(at("2026-01-01", 5), at("2026-01-01", 1))).toBeLessThan(0);
        expect(newestFirst(at("2026-01-01", 1), at("2026-01-01", 5))).toBeGreaterThan(0);
        expect(newestFirst(at("2026-01-01", 1), at("2026-01-01", 1))).toBe(0);
        expect(newestFirst(at("2026-01-01", 0), at(undefined, 9))).toBeLessThan(0);
        expect(newestFirst(at(undefined, 9), at("2026-01-01", 0))).toBeGreaterThan(0);
    });
});

describe("a team vault's notes", () => {
    it("are reviewed by the team: neither in the person's queue nor in its filters", () => {
        const team = memoryFromFrontmatter("memem/teams/acme/memories/Deploy.md", { id: "t", project: "ops", kind: "runbook" })!;
        const set = new MemorySet([...memorySet(files).all(), team]);
        expect(reviewQueue(set).map((m) => m.id)).not.toContain("t");
        expect(facets(set).projects).not.toContain("ops");
        expect(facets(set).kinds).not.toContain("runbook");
    });
});

describe("open contradictions over hand-written links", () => {
    it("ignores a note that contradicts itself", () => {
        const self = memoryFromFrontmatter("m/Self.md", { id: "s", contradicts: ["[[Self]]"] })!;
        expect(openContradictions(new MemorySet([self]))).toEqual([]);
    });
});
