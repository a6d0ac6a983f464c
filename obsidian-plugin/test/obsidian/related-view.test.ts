/** The related pane: the open memory's typed links and similar notes, from the daemon or the vault. */

import { afterEach, describe, expect, it } from "vitest";
import type { GraphEdge, SearchHit } from "../../src/daemon/client";
import { edgeLabel, likeness, RELATED_VIEW } from "../../src/obsidian/related-view";
import { openModals } from "../shim/obsidian";
import { frontmatterOf } from "../fixtures";
import { HttpError, loadPlugin, openNote, openPane, PIP_TOOLS, SLOW_CI, settle, texts, unload, UV } from "./plugin-harness";

afterEach(unload);

const edges: GraphEdge[] = [
    { direction: "out", kind: "supersedes", link: "Lock dependencies with pip-tools", dangling: false, id: "example-app-pip-tools", title: "Lock dependencies with pip-tools", status: "deprecated" },
    { direction: "in", kind: "depends_on", link: "Use uv", dangling: false, id: "example-app-slow-ci", title: "CI installs were slow with pip", status: "active" },
    { direction: "in", kind: "link", link: "Use uv", dangling: false, id: "not-in-this-vault", title: "A note elsewhere", status: "active" },
    { direction: "out", kind: "related", link: "Poetry notes", dangling: true },
];

const hit = (over: Partial<SearchHit>): SearchHit => ({ id: "x", title: "x", path: "x.md", score: 1, status: "active", snippet: "", why: [], ...over });
const hits: SearchHit[] = [
    hit({ id: "example-app-use-uv", title: "Use uv for Python installs", path: UV, score: 1, why: ["vector #1", "fulltext #1"] }),
    hit({ id: "example-app-slow-ci", title: "CI installs were slow with pip", path: SLOW_CI, score: 0.8, snippet: "CI installs took 4 minutes.", why: ["vector #2", "fulltext #3"] }),
    hit({ id: "gone", title: "A note the vault lost", path: "memem/memories/Lost.md", score: 0.5, snippet: "Lost text.", why: ["fulltext #4"] }),
];

const withDaemon = (over: Parameters<typeof loadPlugin>[0] = {}) =>
    loadPlugin({ daemon: { "/v1/op/neighbors": () => ({ edges }), "/v1/search": () => ({ results: hits }), ...over.daemon }, files: over.files });

const section = (pane: HTMLElement, title: string) => [...pane.querySelectorAll(".memem-section")].find((s) => s.querySelector("h5")?.textContent === title)!;

describe("related pane", () => {
    it("asks for a memory while none is open, or the open note is not one", async () => {
        const { app, plugin } = await loadPlugin({ files: { "notes/Plain.md": "Just a note." } });
        const pane = await openPane(plugin, RELATED_VIEW);
        const view = app.workspace.getLeavesOfType(RELATED_VIEW)[0].view!;
        expect([RELATED_VIEW, view.getDisplayText(), view.getIcon()]).toEqual(["memem-related", "Related memories", "network"]);
        expect(pane.querySelector(".view-content")!.classList.contains("memem-related")).toBe(true);
        expect(texts(pane, ".memem-pane-header h4")).toEqual(["Related memories"]);
        expect(texts(pane, ".memem-empty")).toEqual(["Open a memory to see what it is linked to and what says something similar."]);
        openNote(app, "notes/Plain.md");
        await settle();
        expect(texts(pane, ".memem-pane-header h4")).toEqual(["Related memories"]);
        expect(texts(pane, ".memem-empty")).toEqual(["Open a memory to see what it is linked to and what says something similar."]);
    });

    it("heads the open memory with its state and a Deprecate button", async () => {
        const { app, plugin } = await withDaemon();
        const pane = await openPane(plugin, RELATED_VIEW);
        openNote(app, UV);
        await settle();
        const header = pane.querySelector(".memem-pane-header")!;
        expect(header.querySelector("h4")?.textContent).toBe("Use uv for Python installs");
        expect(header.querySelector(".memem-card-meta")?.textContent).toBe("active · decision · example-app");
        expect(texts(header, "button")).toEqual(["Deprecate"]);
        expect(header.querySelector("button")?.getAttribute("aria-label")).toBe("Deprecate this memory, optionally naming its successor");
        expect(texts(pane, ".memem-section h5")).toEqual(["Linked", "Similar"]);
        header.querySelector("button")!.click();
        await settle();
        expect(openModals).toHaveLength(1);
    });

    it("offers no Deprecate button on a deprecated memory, and says global for a memory without a project", async () => {
        const { app, plugin } = await withDaemon({ files: { "memem/memories/Bare.md": "---\nid: bare\ntitle: A bare note\n---\n\nJust text.\n" } });
        const pane = await openPane(plugin, RELATED_VIEW);
        openNote(app, PIP_TOOLS);
        await settle();
        expect(pane.querySelector(".memem-pane-header .memem-card-meta")?.textContent).toBe("deprecated · decision · example-app");
        expect(texts(pane, ".memem-pane-header button")).toEqual([]);
        openNote(app, "memem/memories/Review new memories.md");
        await settle();
        expect(pane.querySelector(".memem-pane-header .memem-card-meta")?.textContent).toBe("active · convention · global");
        openNote(app, "memem/memories/Bare.md");
        await settle();
        expect(pane.querySelector(".memem-pane-header .memem-card-meta")?.textContent).toBe("active · global");
    });

    it("lists the daemon's typed links both ways, linking the notes this vault holds", async () => {
        const { app, plugin } = await withDaemon();
        const pane = await openPane(plugin, RELATED_VIEW);
        openNote(app, UV);
        await settle();
        const linked = section(pane, "Linked");
        const items = [...linked.querySelectorAll("ul.memem-links li")];
        expect(items.map((li) => li.textContent)).toEqual([
            "→ supersedes Lock dependencies with pip-tools",
            "← depends on CI installs were slow with pip",
            "← mentioned in A note elsewhere",
            "→ related Poetry notes (missing)",
        ]);
        expect(items.map((li) => li.querySelector(".memem-kind")?.className)).toEqual([
            "memem-kind memem-kind-supersedes",
            "memem-kind memem-kind-depends_on",
            "memem-kind memem-kind-link",
            "memem-kind memem-kind-related",
        ]);
        expect(items.map((li) => li.classList.contains("is-deprecated"))).toEqual([true, false, false, false]);
        expect(items[0].querySelector("a.internal-link.memem-link")?.getAttribute("data-href")).toBe(PIP_TOOLS);
        expect(items[1].querySelector("a.internal-link.memem-link")?.getAttribute("data-href")).toBe(SLOW_CI);
        expect(items[2].querySelector("a")).toBeNull();
        expect(items[2].querySelector(".memem-link.is-unresolved")?.textContent).toBe("A note elsewhere");
        expect(linked.querySelector(".memem-note")).toBeNull();
    });

    it("lists similar notes with how alike they are, the note itself left out", async () => {
        const { app, plugin, requests } = await withDaemon();
        const pane = await openPane(plugin, RELATED_VIEW);
        openNote(app, UV);
        await settle();
        const search = requests.find((r) => r.path === "/v1/search")!;
        expect(String(search.body.query)).toMatch(/^Use uv for Python installs\n\nexample-app installs Python dependencies/);
        expect(search.body.project).toBe("example-app");
        const similar = section(pane, "Similar");
        const found = [...similar.querySelectorAll(".memem-hit")];
        expect(found).toHaveLength(2);
        expect(found[0].querySelector("a.internal-link.memem-link")?.textContent).toBe("CI installs were slow with pip");
        expect(found[0].querySelector(".memem-card-snippet")?.textContent).toBe("CI installs took 4 minutes.");
        expect(found[0].querySelector(".memem-card-meta")?.textContent).toBe("Very close: same meaning and same words");
        expect(found[0].querySelector(".memem-card-meta")?.getAttribute("title")).toBe("score 0.80");
        expect(found[1].querySelector("a")).toBeNull();
        expect(found[1].querySelector(".memem-link")?.textContent).toBe("A note the vault lost");
        expect(found[1].querySelector(".memem-card-meta")?.textContent).toBe("Close: same words");
        expect(similar.querySelector(".memem-note, .memem-empty")).toBeNull();
    });

    it("says so when nothing is linked or similar", async () => {
        const { app, plugin } = await withDaemon({ daemon: { "/v1/op/neighbors": () => ({ edges: [] }), "/v1/search": () => ({ results: [hits[0]] }) } });
        const pane = await openPane(plugin, RELATED_VIEW);
        openNote(app, UV);
        await settle();
        expect(texts(section(pane, "Linked"), ".memem-empty")).toEqual(["No typed links."]);
        expect(texts(section(pane, "Similar"), ".memem-empty")).toEqual(["Nothing similar."]);
    });

    it("falls back to the vault's own links when the daemon fails, and says why", async () => {
        const { app, plugin } = await withDaemon({
            daemon: {
                "/v1/op/neighbors": () => {
                    throw new HttpError(500, "graph not built");
                },
                "/v1/search": () => {
                    throw new HttpError(500, "index busy");
                },
            },
        });
        const pane = await openPane(plugin, RELATED_VIEW);
        openNote(app, SLOW_CI);
        await settle();
        const linked = section(pane, "Linked");
        expect(texts(linked, "li")).toEqual(["← supports Use uv for Python installs"]);
        expect(texts(linked, ".memem-note")).toEqual(["From the vault's links (Error: memem: graph not built)."]);
        expect(texts(section(pane, "Similar"), ".memem-note")).toEqual(["Error: memem: index busy"]);
    });

    it("with the daemon off, says how to start it", async () => {
        const { app, plugin } = await loadPlugin();
        const pane = await openPane(plugin, RELATED_VIEW);
        openNote(app, UV);
        await settle();
        expect(texts(section(pane, "Linked"), "li")).toEqual([
            "→ supports CI installs were slow with pip",
            "→ supersedes Lock dependencies with pip-tools",
        ]);
        expect(texts(section(pane, "Linked"), ".memem-note")).toEqual(["From the vault's links (daemon not running)."]);
        expect(texts(section(pane, "Similar"), ".memem-note")).toEqual(["Start memem's daemon (`memem serve`) for similar memories."]);
    });

    it("shows only the last note opened when the daemon answers late, and follows only its notes", async () => {
        let calls = 0;
        const { app, plugin, storage } = await withDaemon({
            daemon: {
                "/v1/op/neighbors": async () => {
                    if (calls++ > 0) return { edges: [] };
                    // The first note's answer comes after the second's, naming a note the second does not show.
                    await new Promise((r) => setTimeout(r, 1000));
                    return { edges: [edges[0]] };
                },
                "/v1/search": () => ({ results: [] }),
            },
        });
        const pane = await openPane(plugin, RELATED_VIEW);
        openNote(app, SLOW_CI);
        await settle(200);
        openNote(app, UV);
        await settle(2000);
        expect(pane.querySelector(".memem-pane-header h4")?.textContent).toBe("Use uv for Python installs");
        expect(texts(pane, ".memem-section h5")).toEqual(["Linked", "Similar"]);
        expect(texts(pane, ".memem-empty")).toEqual(["No typed links.", "Nothing similar."]);
        const header = pane.querySelector(".memem-pane-header");
        await app.vault.modify(app.vault.getFileByPath(PIP_TOOLS)!, storage.files[PIP_TOOLS].replace("kind: decision", "kind: fact"));
        await settle();
        expect(pane.querySelector(".memem-pane-header")).toBe(header); // not redrawn for a note it does not show
    });

    it("draws nothing more once closed while the daemon was still answering", async () => {
        const { app, plugin } = await withDaemon({
            daemon: {
                "/v1/op/neighbors": async () => {
                    await new Promise((r) => setTimeout(r, 1000));
                    return { edges };
                },
            },
        });
        const pane = await openPane(plugin, RELATED_VIEW);
        openNote(app, UV);
        await settle(200);
        const linked = section(pane, "Linked");
        const similar = section(pane, "Similar");
        app.workspace.getLeavesOfType(RELATED_VIEW)[0].detach();
        await settle(2000);
        expect(pane.querySelector(".view-content")!.childElementCount).toBe(0);
        // What the render had drawn before it waited stays as it was: nothing was added after the answer.
        expect(linked.querySelectorAll("ul, .memem-note, .memem-empty")).toHaveLength(0);
        expect(similar.querySelectorAll(".memem-hit, .memem-note, .memem-empty")).toHaveLength(0);
    });

    it("says the daemon's answer cannot be read, instead of breaking, when it lacks a field", async () => {
        const { app, plugin } = await withDaemon({
            daemon: { "/v1/search": () => ({ results: [hits[1], { ...hits[2], why: undefined }] }) },
        });
        const pane = await openPane(plugin, RELATED_VIEW);
        openNote(app, UV);
        await settle();
        expect(texts(section(pane, "Similar"), ".memem-note")).toEqual([
            "Error: memem: the daemon's answer to /v1/search cannot be read (results[1].why is not a list); are memem and the plugin the same version?",
        ]);
        expect(section(pane, "Similar").querySelectorAll(".memem-hit")).toHaveLength(0);
        expect(texts(section(pane, "Linked"), "li")).toHaveLength(4); // the rest of the pane as usual
    });

    it("redraws when the open memory or a note it shows changes, not for other notes", async () => {
        const { app, plugin, storage } = await loadPlugin();
        const pane = await openPane(plugin, RELATED_VIEW);
        openNote(app, UV);
        await settle();
        const header = pane.querySelector(".memem-pane-header");
        const edit = async (path: string, from: string, to: string) => {
            await app.vault.modify(app.vault.getFileByPath(path)!, storage.files[path].replace(from, to));
            await settle();
        };
        await edit("memem/memories/Review new memories.md", "status: active", "status: deprecated");
        expect(pane.querySelector(".memem-pane-header")).toBe(header);
        await edit(SLOW_CI, "title: CI installs were slow with pip", "title: CI installs took minutes");
        expect(texts(pane, ".memem-links li")).toContain("→ supports CI installs took minutes");
        await edit(UV, "kind: decision", "kind: convention");
        expect(pane.querySelector(".memem-pane-header .memem-card-meta")?.textContent).toBe("active · convention · example-app");
        expect(frontmatterOf(storage.files[UV]).kind).toBe("convention");
    });
});

describe("likeness", () => {
    it("grades a hit against the best one, and names the searches that found it", () => {
        expect(likeness({ share: 0.75, why: ["vector #1"] })).toBe("Very close: same meaning");
        expect(likeness({ share: 0.74, why: ["fulltext #2"] })).toBe("Close: same words");
        expect(likeness({ share: 0.45, why: ["vector #3", "fulltext #1", "importance 4"] })).toBe("Close: same meaning and same words");
        expect(likeness({ share: 0.44, why: [] })).toBe("Loosely related");
        expect(likeness({ why: ["importance 4"] })).toBe("Loosely related");
    });
});

describe("edgeLabel", () => {
    it("reads a typed link with its direction, and a body link as a mention", () => {
        expect(edgeLabel({ direction: "out", kind: "consistent_with" })).toBe("→ consistent with");
        expect(edgeLabel({ direction: "in", kind: "supports" })).toBe("← supports");
        expect(edgeLabel({ direction: "out", kind: "link" })).toBe("→ mentions");
        expect(edgeLabel({ direction: "in", kind: "link" })).toBe("← mentioned in");
    });
});
