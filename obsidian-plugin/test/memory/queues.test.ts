import { describe, expect, it } from "vitest";
import { memoryFromFrontmatter } from "../../src/memory/memory";
import { facets, GLOBAL, openContradictions, reviewQueue } from "../../src/memory/queues";
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
