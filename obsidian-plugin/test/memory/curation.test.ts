import { describe, expect, it } from "vitest";
import { Curator, parentFolder, type Plan, splitNote, stripFrontmatter } from "../../src/memory/curation";
import type { Frontmatter } from "../../src/memory/links";
import { frontmatterOf, MINED_PAIR, memorySet, templateFiles } from "../fixtures";

const TODAY = "2026-11-24";
const files = { ...templateFiles(), ...MINED_PAIR };
const memories = memorySet(files);
const curator = new Curator(memories, TODAY);
const byTitle = (title: string) => {
    const found = memories.all().find((m) => m.title === title);
    if (!found) throw new Error(`no fixture titled ${title}`);
    return found;
};

/** Each note's frontmatter after the plan, as processFrontMatter would hand it over and write it back. */
function applyPlan(plan: Plan): Record<string, Frontmatter> {
    const after: Record<string, Frontmatter> = {};
    for (const edit of plan.edits) {
        const fm = after[edit.path] ?? frontmatterOf(files[edit.path]);
        edit.apply(fm);
        after[edit.path] = fm;
    }
    return after;
}

const older = byTitle("Tests run with pytest -x");
const newer = byTitle("Tests run without -x");

describe("approve", () => {
    it("sets reviewed to today and touches nothing else", () => {
        const memory = byTitle("CI installs were slow with pip");
        const after = applyPlan(curator.approve(memory));
        const before = frontmatterOf(files[memory.path]);
        expect(after[memory.path]).toEqual({ ...before, reviewed: TODAY });
        expect(Object.keys(after)).toEqual([memory.path]);
    });
});

describe("deprecate", () => {
    it("sets status and valid_to, keeping unknown keys", () => {
        const after = applyPlan(curator.deprecate(older));
        expect(after[older.path]).toMatchObject({ status: "deprecated", valid_to: TODAY, custom_key: "kept as is" });
        expect(Object.keys(after)).toEqual([older.path]);
    });

    it("gives the successor a supersedes link, once", () => {
        const successor = byTitle("Run tests with pytest -x before pushing");
        const plan = curator.deprecate(older, successor);
        const after = applyPlan(plan);
        expect(after[successor.path].supersedes).toEqual(["[[Tests run with pytest -x]]"]);
        const again = frontmatterOf(files[successor.path]);
        plan.edits[1].apply(again);
        plan.edits[1].apply(again);
        expect(again.supersedes).toEqual(["[[Tests run with pytest -x]]"]);
    });

    it("keeps the successor's existing supersedes links", () => {
        const uv = byTitle("Use uv for Python installs");
        const slow = byTitle("CI installs were slow with pip");
        const after = applyPlan(curator.deprecate(slow, uv));
        expect(after[uv.path].supersedes).toEqual(["[[Lock dependencies with pip-tools]]", "[[CI installs were slow with pip]]"]);
        expect(after[uv.path].supports).toEqual(["[[CI installs were slow with pip]]"]);
    });

    it("refuses a memory as its own successor", () => {
        expect(() => curator.deprecate(older, older)).toThrow(/itself/);
    });
});

describe("resolving a contradiction", () => {
    it("keep left: the right one is deprecated and superseded; the tension is gone both ways", () => {
        const after = applyPlan(curator.keep(older, newer));
        expect(after[newer.path]).toMatchObject({ status: "deprecated", valid_to: TODAY });
        expect(after[newer.path].deprecated_reason).toBe(`contradicted by ${older.id}`);
        expect(after[newer.path].contradicts).toBeUndefined();
        expect(after[older.path].contradicts).toBeUndefined();
        expect(after[older.path].supersedes).toEqual(["[[Tests run without -x]]"]);
        expect(after[older.path].status).toBe("active");
        // Choosing it is a review of it; the deprecated one is left as it was.
        expect(after[older.path].reviewed).toBe(TODAY);
        expect(after[newer.path].reviewed).toBeUndefined();
    });

    it("keep right is the mirror image", () => {
        const after = applyPlan(curator.keep(newer, older));
        expect(after[older.path].status).toBe("deprecated");
        expect(after[newer.path].supersedes).toEqual(["[[Tests run with pytest -x]]"]);
    });

    it("keep both: the edge goes and consistent_with records the decision both ways", () => {
        const after = applyPlan(curator.keepBoth(older, newer));
        expect(after[older.path].contradicts).toBeUndefined();
        expect(after[newer.path].contradicts).toBeUndefined();
        expect(after[older.path].consistent_with).toEqual(["[[Tests run without -x]]"]);
        expect(after[newer.path].consistent_with).toEqual(["[[Tests run with pytest -x]]"]);
        expect(after[older.path].status).toBe("active");
        expect(after[newer.path].status).toBe("active");
        expect(after[older.path].reviewed).toBe(TODAY);
        expect(after[newer.path].reviewed).toBe(TODAY);
    });

    it("keep both leaves contradictions with third notes alone", () => {
        const text = files[older.path].replace(
            '  - "[[Tests run without -x]]"',
            '  - "[[Tests run without -x]]"\n  - "[[Use uv for Python installs]]"',
        );
        const local = memorySet({ ...files, [older.path]: text });
        const plan = new Curator(local, TODAY).keepBoth(local.byPath(older.path)!, local.byPath(newer.path)!);
        const fm = frontmatterOf(text);
        plan.edits[0].apply(fm);
        expect(fm.contradicts).toEqual(["[[Use uv for Python installs]]"]);
    });

    it("merge: a new unreviewed note in their folder supersedes both, which are deprecated", () => {
        const plan = curator.merge(older, newer, { a: files[older.path], b: files[newer.path] }, "mem-20261124-abcdef", "memem/memories");
        const after = applyPlan(plan);
        expect(after[older.path]).toMatchObject({ status: "deprecated", deprecated_reason: "merged into mem-20261124-abcdef" });
        expect(after[newer.path]).toMatchObject({ status: "deprecated" });
        expect(after[older.path].contradicts).toBeUndefined();
        const created = plan.create!;
        expect(created.frontmatter).toMatchObject({
            id: "mem-20261124-abcdef",
            project: "example-app",
            status: "active",
            source_type: "user",
            supersedes: ["[[Tests run with pytest -x]]", "[[Tests run without -x]]"],
            tags: ["testing", "ci"],
        });
        expect(created.body).toContain("first failure stops the run");
        expect(created.body).toContain("every failure shows in one run");
        expect(created.body).not.toContain("---");
        // Still holds both bodies: it waits in the review queue until the person edits it into one.
        expect(created.frontmatter.reviewed).toBeUndefined();
        expect(created.folder).toBe("memem/memories");
        expect(created.title).toBe("Tests run with pytest -x (merged)");
    });

    it("merge puts a project's pair in their folder and two folders' pair at the root, with link text from the vault", () => {
        const uv = byTitle("Use uv for Python installs");
        const pytest = byTitle("Run tests with pytest -x before pushing");
        const linktext = (target: { path: string }, source: string) => `${target.path.replace(/\.md$/, "")}@${source}`;
        const local = new Curator(memories, TODAY, linktext);
        const same = local.merge(uv, pytest, { a: "a", b: "b" }, "mem-1", "memem/memories");
        expect(same.create!.folder).toBe("memem/memories/example-app");
        expect(same.create!.frontmatter.supersedes).toEqual([
            "[[memem/memories/example-app/Use uv for Python installs@memem/memories/example-app/Use uv for Python installs (merged).md]]",
            "[[memem/memories/example-app/Run tests with pytest -x before pushing@memem/memories/example-app/Use uv for Python installs (merged).md]]",
        ]);
        const apart = local.merge(uv, older, { a: "a", b: "b" }, "mem-2", "memem/memories");
        expect(apart.create!.folder).toBe("memem/memories");
        const atRoot = { ...older, path: "Loose note.md" };
        expect(local.merge(atRoot, { ...newer, path: "Other.md" }, { a: "a", b: "b" }, "mem-3", "memem/memories").create!.folder).toBe(
            "memem/memories",
        );
    });
});

describe("what each action says it did", () => {
    it("names the notes in the summary the undo notice shows", () => {
        const successor = byTitle("Run tests with pytest -x before pushing");
        expect(curator.approve(older).summary).toBe("Approved “Tests run with pytest -x”");
        expect(curator.deprecate(older).summary).toBe("Deprecated “Tests run with pytest -x”");
        expect(curator.deprecate(older, successor).summary).toBe(
            "Deprecated “Tests run with pytest -x”, superseded by “Run tests with pytest -x before pushing”",
        );
        expect(curator.keepBoth(older, newer).summary).toBe("Kept both “Tests run with pytest -x” and “Tests run without -x”");
        expect(curator.merge(older, newer, { a: "", b: "" }, "mem-1", "memem/memories").summary).toBe(
            "Merged “Tests run with pytest -x” and “Tests run without -x” into a new note",
        );
    });
});

describe("deprecation reasons", () => {
    it("records none when none is given", () => {
        const after = applyPlan(curator.deprecate(older));
        expect("deprecated_reason" in after[older.path]).toBe(false);
    });

    it("changes nothing of a first deprecation: its date and reason stand, as memem's own deprecate keeps them", () => {
        const retired: Frontmatter = { ...frontmatterOf(files[older.path]), status: "deprecated", valid_to: "2025-01-02", deprecated_reason: "first" };
        curator.deprecate(older).edits[0].apply(retired);
        curator.keep(newer, older).edits[0].apply(retired);
        expect(retired).toMatchObject({ status: "deprecated", valid_to: "2025-01-02", deprecated_reason: "first" });
        const dateless: Frontmatter = { ...frontmatterOf(files[older.path]), status: "deprecated" };
        curator.deprecate(older).edits[0].apply(dateless);
        expect("valid_to" in dateless).toBe(false);
        // An active note that names an end date ends today when it is deprecated; an empty reason is no reason.
        const ending: Frontmatter = { ...frontmatterOf(files[older.path]), valid_to: "2030-01-01", deprecated_reason: "" };
        curator.keep(newer, older).edits[0].apply(ending);
        expect(ending).toMatchObject({ status: "deprecated", valid_to: TODAY, deprecated_reason: `contradicted by ${newer.id}` });
    });

    it("keeps a reason the note already gives", () => {
        const fm: Frontmatter = { ...frontmatterOf(files[newer.path]), deprecated_reason: "written by hand" };
        curator.keep(older, newer).edits[0].apply(fm);
        expect(fm.deprecated_reason).toBe("written by hand");
        expect(fm.status).toBe("deprecated");
    });
});

describe("the merged note", () => {
    const make = (a: Partial<typeof older>, b: Partial<typeof older>) =>
        curator.merge({ ...older, ...a }, { ...newer, ...b }, { a: "", b: "" }, "mem-1", "memem/memories").create!.frontmatter;

    it("belongs to a project only when both do", () => {
        expect(make({ project: "app" }, { project: "other" })).not.toHaveProperty("project");
        expect(make({ project: undefined }, { project: undefined })).not.toHaveProperty("project");
        expect(make({ project: "app" }, { project: "app" }).project).toBe("app");
    });

    it("takes the more general layer (the lower number), 2 for a note without one", () => {
        expect(make({ layer: 1 }, { layer: 3 }).layer).toBe(1);
        expect(make({ layer: 3 }, { layer: 1 }).layer).toBe(1);
        expect(make({ layer: undefined }, { layer: 3 }).layer).toBe(2);
        expect(make({ layer: 3 }, { layer: undefined }).layer).toBe(2);
    });

    it("takes the first note's kind, else the second's, else fact", () => {
        expect(make({ kind: "convention" }, { kind: "failure" }).kind).toBe("convention");
        expect(make({ kind: undefined }, { kind: "failure" }).kind).toBe("failure");
        expect(make({ kind: undefined }, { kind: undefined }).kind).toBe("fact");
    });

    it("holds both bodies without their frontmatter, one blank line apart", () => {
        const plan = curator.merge(older, newer, { a: "---\nid: a\n---\n\n\nFirst body.\n\n", b: "Second body.\n" }, "mem-1", "memem/memories");
        expect(plan.create!.body).toBe("First body.\n\nSecond body.\n");
    });
});

describe("parentFolder and stripFrontmatter", () => {
    it("gives a note's folder, empty at the vault root", () => {
        expect(parentFolder("a/b/Note.md")).toBe("a/b");
        expect(parentFolder("Note.md")).toBe("");
    });

    it("strips only a frontmatter block at the very start", () => {
        expect(stripFrontmatter("---\nid: x\n---\nBody")).toBe("Body");
        expect(stripFrontmatter("---\nid: x\n---")).toBe("");
        expect(stripFrontmatter("---\r\nid: x\r\n--- \r\nBody")).toBe("Body");
        const ruled = "Intro\n---\nmiddle\n---\nend";
        expect(stripFrontmatter(ruled)).toBe(ruled);
    });

    it("splits a note into its properties and body", () => {
        expect(splitNote("---\nid: x\ntitle: T\n---\nBody\n")).toEqual({ yaml: "id: x\ntitle: T", body: "Body\n" });
        expect(splitNote("---\r\nid: x\r\n---\t\r\nBody")).toEqual({ yaml: "id: x", body: "Body" });
        expect(splitNote("Just text\n")).toEqual({ yaml: null, body: "Just text\n" });
        expect(splitNote(" ---\nid: x\n---\n").yaml).toBeNull();
        // An empty block ends at its own closing line, not at a rule further down the body.
        expect(splitNote("---\n---\nIntro\n---\nend")).toEqual({ yaml: "", body: "Intro\n---\nend" });
        // The closing line is `---` alone: three dashes inside a value do not close the block.
        expect(splitNote("---\ntitle: a---b\n---\nBody")).toEqual({ yaml: "title: a---b", body: "Body" });
        expect(splitNote("---\ntitle: x\n----\nBody").yaml).toBeNull();
    });
});
