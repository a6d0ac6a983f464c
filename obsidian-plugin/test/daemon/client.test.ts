import { describe, expect, it } from "vitest";
import { DaemonClient, DaemonUnavailable, type HttpRequest, type Proposal, proposalNotice } from "../../src/daemon/client";
import { discoverDaemon, type FileAccess } from "../../src/daemon/discovery";

const endpoint = async () => ({ url: "http://127.0.0.1:9/", token: "t0k" });

describe("daemon client", () => {
    it("sends the token and JSON, and drops the note itself and the weak tail from similar notes", async () => {
        const seen: HttpRequest[] = [];
        const client = new DaemonClient(endpoint, async (request) => {
            seen.push(request);
            return { status: 200, json: { results: [{ id: "self", score: 1 }, { id: "other", score: 0.5 }, { id: "tail", score: 0.1 }] } };
        });
        const hits = await client.similar("Use uv", "shop", "self", 5);
        expect(hits.map((h) => h.id)).toEqual(["other"]);
        expect(seen[0]).toMatchObject({ url: "http://127.0.0.1:9/v1/search", method: "POST" });
        expect(seen[0].headers.Authorization).toBe("Bearer t0k");
        expect(JSON.parse(seen[0].body!)).toEqual({ query: "Use uv", project: "shop", limit: 6, rerank: false });
    });

    it("says the daemon is unavailable when there is none, it does not answer, or it refuses the token", async () => {
        await expect(new DaemonClient(async () => null, async () => ({ status: 200, json: {} })).status()).rejects.toThrow(DaemonUnavailable);
        const refused = new DaemonClient(endpoint, async () => {
            throw new Error("ECONNREFUSED");
        });
        await expect(refused.status()).rejects.toThrow(DaemonUnavailable);
        const wrongToken = new DaemonClient(endpoint, async () => ({ status: 401, json: { error: "missing or wrong token" } }));
        await expect(wrongToken.status()).rejects.toThrow(/token/);
    });

    it("passes the daemon's own error message on", async () => {
        const client = new DaemonClient(endpoint, async () => ({ status: 404, json: { error: "no memory with id 'x'" } }));
        await expect(client.neighbors("x")).rejects.toThrow("memem: no memory with id 'x'");
    });
});

describe("proposals", () => {
    const proposal: Proposal = {
        team: "acme", branch: "memem/propose-ada-1", commit: "abc", pushed: true,
        proposed: [{ id: "a", path: "memories/global/A.md" }], refused: [],
    };

    it("posts the ids, and the team when one is named", async () => {
        const seen: HttpRequest[] = [];
        const client = new DaemonClient(endpoint, async (request) => {
            seen.push(request);
            return { status: 200, json: proposal };
        });
        expect(await client.propose(["a"])).toEqual(proposal);
        await client.propose(["a", "b"], "acme");
        expect(seen.map((r) => [r.url, JSON.parse(r.body!)])).toEqual([
            ["http://127.0.0.1:9/v1/op/team_propose", { ids: ["a"] }],
            ["http://127.0.0.1:9/v1/op/team_propose", { ids: ["a", "b"], team: "acme" }],
        ]);
    });

    it("says what went where, and what was left out and why", () => {
        expect(proposalNotice(proposal)).toBe("Proposed 1 memory to the team acme on branch memem/propose-ada-1: open a pull request for it.");
        const local = { ...proposal, pushed: false, proposed: [...proposal.proposed, { id: "b", path: "memories/B.md" }] };
        expect(proposalNotice(local)).toBe(
            "Proposed 2 memories to the team acme on branch memem/propose-ada-1 (not pushed: the team vault has no remote).",
        );
        const refused = { ...proposal, refused: [{ id: "c", reason: "not proposed: it contains a secret (AWS key)" }] };
        expect(proposalNotice(refused)).toBe(
            "Proposed 1 memory to the team acme on branch memem/propose-ada-1: open a pull request for it. c left out: not proposed: it contains a secret (AWS key).",
        );
    });
});

describe("discovery", () => {
    const files = (entries: Record<string, string>): FileAccess => ({
        readText: async (path) => entries[path] ?? null,
        listDirs: async (path) =>
            [...new Set(Object.keys(entries).filter((p) => p.startsWith(`${path}/`)).map((p) => p.slice(path.length + 1).split("/")[0]))],
        realpath: async (path) => path.replace("/link", "/real"),
    });

    it("finds the daemon.json whose vault is this vault, through symlinks", async () => {
        const found = await discoverDaemon(
            { memDir: "/h/.memem", vaultPath: "/link/vault" },
            files({
                "/h/.memem/token": "abc\n",
                "/h/.memem/vaults/other-1/daemon.json": JSON.stringify({ host: "127.0.0.1", port: 1, vault: "/elsewhere", pid: 1 }),
                "/h/.memem/vaults/vault-2/daemon.json": JSON.stringify({ host: "127.0.0.1", port: 2, vault: "/real/vault", pid: 2 }),
                "/h/.memem/vaults/broken-3/daemon.json": "{half",
            }),
        );
        expect(found).toEqual({ url: "http://127.0.0.1:2", token: "abc", pid: 2 });
    });

    it("finds nothing without a token or a running daemon; settings win", async () => {
        expect(await discoverDaemon({ memDir: "/h", vaultPath: "/v" }, files({}))).toBeNull();
        expect(await discoverDaemon({ memDir: "/h", vaultPath: "/v" }, files({ "/h/token": "t" }))).toBeNull();
        const set = await discoverDaemon({ memDir: "/h", vaultPath: "/v", address: "http://127.0.0.1:5" }, files({ "/h/token": "t" }));
        expect(set).toEqual({ url: "http://127.0.0.1:5", token: "t" });
    });
});
