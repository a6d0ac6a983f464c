/** Team vaults in the panes: a team's notes marked as the team's, out of the person's review queue, and
 *  a memory proposed to the team from the command palette or the file menu. */

import { afterEach, describe, expect, it } from "vitest";
import type { Proposal } from "../../src/daemon/client";
import { CONTRADICTIONS_VIEW } from "../../src/obsidian/contradictions-view";
import { describeRecord, RELATED_VIEW } from "../../src/obsidian/related-view";
import { REVIEW_VIEW } from "../../src/obsidian/review-view";
import { Menu, notices, type TFile } from "../shim/obsidian";
import { HttpError, type Loaded, loadPlugin, NEWER, openNote, openPane, settle, texts, unload } from "./plugin-harness";

afterEach(unload);

const TEAM_NOTE = "memem/teams/acme/memories/Deploys go through the release script.md";
const TEAM_FILES = {
    "memem/teams/acme/memem-team.json": '{"name": "acme", "projects": ["example-app"]}\n',
    [TEAM_NOTE]:
        "---\nid: team-release\ntitle: Deploys go through the release script\nkind: convention\nsource_type: user\n" +
        "created: 2026-11-02\ncontradicts:\n  - \"[[Tests run without -x]]\"\n---\n\nRun scripts/release.sh; never push tags by hand.\n",
};

const PROPOSAL: Proposal = {
    team: "acme",
    branch: "memem/propose-ada-20261205-101500-ab12",
    commit: "0123456789abcdef",
    pushed: true,
    proposed: [{ id: "mem-20261123-bbbbbb", path: "memories/global/Tests run without -x.md" }],
    refused: [],
};

let loaded: Loaded;

describe("a team vault's notes", () => {
    it("are memories of the team: named as such where a pane says where a memory came from", async () => {
        loaded = await loadPlugin({ files: TEAM_FILES });
        await settle();
        const team = loaded.plugin.actions.memoryAt(TEAM_NOTE);
        expect(team?.team).toBe("acme");
        const pane = await openPane(loaded.plugin, CONTRADICTIONS_VIEW);
        await settle();
        expect(texts(pane, ".memem-card-meta").some((t) => t?.includes("team acme · saved on 2026-11-02"))).toBe(true);
    });

    it("stay out of the person's review queue: the team reviews them", async () => {
        loaded = await loadPlugin({ files: TEAM_FILES });
        const pane = await openPane(loaded.plugin, REVIEW_VIEW);
        const listed = [...pane.querySelectorAll<HTMLElement>(".memem-card")].map((c) => c.dataset.path);
        expect(listed).toContain(NEWER);
        expect(listed).not.toContain(TEAM_NOTE);
    });
});

describe("proposing a memory to the team", () => {
    const run = async (id: string) => {
        const command = (loaded.plugin as unknown as { commands: Map<string, { checkCallback?: (c: boolean) => boolean | undefined }> }).commands.get(id);
        expect(command?.checkCallback?.(true)).toBe(true);
        command?.checkCallback?.(false);
        await settle();
    };

    it("sends the open memory's id to the daemon and says where the branch is", async () => {
        loaded = await loadPlugin({ files: TEAM_FILES, daemon: { "/v1/op/team_propose": () => PROPOSAL } });
        openNote(loaded.app, NEWER);
        await run("propose");
        expect(loaded.requests.at(-1)).toEqual({ path: "/v1/op/team_propose", body: { ids: ["mem-20261123-bbbbbb"] } });
        expect(notices.at(-1)).toBe(
            "Proposed 1 memory to the team acme on branch memem/propose-ada-20261205-101500-ab12: open a pull request for it.",
        );
    });

    it("waits minutes for a push, and one that still gets no answer is said to have an unknown outcome", async () => {
        loaded = await loadPlugin({ files: TEAM_FILES, daemon: { "/v1/op/team_propose": () => new Promise(() => undefined) } });
        openNote(loaded.app, NEWER);
        const before = notices.length;
        await run("propose");
        await settle(179_000);
        expect(notices.slice(before)).toEqual([]);
        await settle(1_000);
        expect(notices.slice(before)).toEqual([
            "memem: the daemon did not answer within 180 s, so the outcome is unknown: it may still be carried out; check again before retrying",
        ]);
    });

    it("proposes a team note's edit to its own team, and passes the daemon's refusal on", async () => {
        loaded = await loadPlugin({
            files: TEAM_FILES,
            daemon: {
                "/v1/op/team_propose": () => {
                    throw new HttpError(400, "nothing to propose (team-release: not proposed: it contains a secret (GitHub token))");
                },
            },
        });
        openNote(loaded.app, TEAM_NOTE);
        await run("propose");
        expect(loaded.requests.at(-1)?.body).toEqual({ ids: ["team-release"], team: "acme" });
        expect(notices.at(-1)).toBe("memem: nothing to propose (team-release: not proposed: it contains a secret (GitHub token))");
    });

    it("is offered in a memory's file menu only when the vault holds a team", async () => {
        const titlesOf = async (files: Record<string, string>) => {
            loaded = await loadPlugin({ files, daemon: { "/v1/op/team_propose": () => PROPOSAL } });
            const menu = new Menu();
            loaded.app.workspace.trigger("file-menu", menu, loaded.app.vault.getFileByPath(NEWER) as TFile);
            return menu;
        };
        expect((await titlesOf({})).items.map((i) => i.title)).toEqual(["Deprecate memory…"]);
        unload();
        const menu = await titlesOf(TEAM_FILES);
        expect(menu.items.map((i) => i.title)).toEqual(["Deprecate memory…", "Propose to the team"]);
        menu.items[1].handler?.(new MouseEvent("click"));
        await settle();
        expect(loaded.requests.at(-1)?.body).toEqual({ ids: ["mem-20261123-bbbbbb"] });
    });
});

describe("the related pane", () => {
    it("names the team of the open memory and of each similar note that is a team's", async () => {
        const teamHit = {
            id: "team-release", title: "Deploys go through the release script", path: TEAM_NOTE, score: 1, status: "active",
            snippet: "Run scripts/release.sh.", why: ["vector #1", "fulltext #1"], team: "acme",
        };
        const ownHit = { ...teamHit, id: "mem-20261123-bbbbbb", title: "Tests run without -x", path: NEWER, score: 0.9, team: null };
        loaded = await loadPlugin({
            files: TEAM_FILES,
            daemon: { "/v1/op/neighbors": () => ({ edges: [] }), "/v1/search": () => ({ results: [teamHit, ownHit] }) },
        });
        openNote(loaded.app, TEAM_NOTE);
        const pane = await openPane(loaded.plugin, RELATED_VIEW);
        await settle();
        expect(texts(pane, ".memem-pane-header .memem-card-meta")).toEqual(["active · convention · global · team acme"]);
        openNote(loaded.app, NEWER);
        await settle();
        const metas = texts(pane, ".memem-hit .memem-card-meta");
        expect(metas.some((t) => t?.startsWith("team acme · "))).toBe(true);
        expect(metas.filter((t) => t?.includes("team ")).length).toBe(1);
    });
});

describe("a memory's record in the related pane", () => {
    it("says how often recall showed it and what came of it, when the daemon knows", async () => {
        const record = { id: "mem-20261123-bbbbbb", shown: 4, used: 2, ignored: 1, contradicted: 1, flagged: false };
        loaded = await loadPlugin({
            files: TEAM_FILES,
            daemon: {
                "/v1/op/neighbors": () => ({ edges: [] }),
                "/v1/search": () => ({ results: [] }),
                "/v1/op/record": (body) => (body.id === record.id ? record : { ...record, id: body.id, shown: 0 }),
            },
        });
        openNote(loaded.app, NEWER);
        const pane = await openPane(loaded.plugin, RELATED_VIEW);
        await settle();
        expect(texts(pane, ".memem-record")).toEqual(["recalled 4 times · used 2 · ignored 1 · contradicted 1"]);
        openNote(loaded.app, TEAM_NOTE); // never shown: no line
        await settle();
        expect(texts(pane, ".memem-record")).toEqual([]);
        expect(describeRecord({ ...record, shown: 1, contradicted: 3, used: 0, flagged: true })).toBe(
            "recalled once · used 0 · ignored 1 · contradicted 3 — keeps being contradicted: review it",
        );
    });
});
