import { afterEach, describe, expect, it, vi } from "vitest";
import {
    CHANGE_TIMEOUT_MS,
    DaemonClient,
    DaemonTimeout,
    DaemonUnavailable,
    type HttpRequest,
    OutcomeUnknown,
    type Proposal,
    proposalNotice,
    PUSH_TIMEOUT_MS,
    requestTo,
    type SearchHit,
    TRANSPORT_TIMEOUT_MS,
    withTimeout,
} from "../../src/daemon/client";
import { discoverDaemon, type FileAccess } from "../../src/daemon/discovery";

const endpoint = async () => ({ url: "http://127.0.0.1:9/", token: "t0k" });
const hit = (id: string, score: number): SearchHit => ({ id, title: id, path: `${id}.md`, score, status: "active", snippet: "", why: ["vector #1"] });

describe("daemon client", () => {
    it("sends the token and JSON, and drops the note itself and the weak tail from similar notes", async () => {
        const seen: HttpRequest[] = [];
        const client = new DaemonClient(endpoint, async (request) => {
            seen.push(request);
            return { status: 200, json: { results: [hit("self", 1), hit("other", 0.5), hit("tail", 0.1)] } };
        });
        const hits = await client.similar("Use uv", "shop", "self", 5);
        expect(hits.map((h) => h.id)).toEqual(["other"]);
        expect(seen[0]).toMatchObject({ url: "http://127.0.0.1:9/v1/search", method: "POST" });
        expect(seen[0].headers.Authorization).toBe("Bearer t0k");
        expect(JSON.parse(seen[0].body!)).toEqual({ query: "Use uv", project: "shop", limit: 6, rerank: false });
    });

    it("cuts a long note for the similar search before an emoji, never through it (the daemon refuses half of one)", async () => {
        const seen: HttpRequest[] = [];
        const client = new DaemonClient(endpoint, async (request) => {
            seen.push(request);
            return { status: 200, json: { results: [] } };
        });
        await client.similar(`${"a".repeat(1999)}🙂 and more`, undefined, "self");
        await client.similar(`${"b".repeat(1998)}🙂 and more`, undefined, "self");
        expect(seen.map((r) => (JSON.parse(r.body!) as { query: string }).query)).toEqual(["a".repeat(1999), `${"b".repeat(1998)}🙂`]);
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

    it("passes the daemon's own error message on, and the HTTP status when there is none", async () => {
        const client = new DaemonClient(endpoint, async () => ({ status: 404, json: { error: "no memory with id 'x'" } }));
        await expect(client.neighbors("x")).rejects.toThrow("memem: no memory with id 'x'");
        const bare = new DaemonClient(endpoint, async () => ({ status: 502, json: { error: { nested: true } } }));
        await expect(bare.neighbors("x")).rejects.toThrow("memem: HTTP 502");
    });

    it("asks for health without the token, and for everything else with it", () => {
        expect(requestTo({ url: "http://127.0.0.1:9/" }, "GET", "/v1/health")).toEqual({
            url: "http://127.0.0.1:9/v1/health",
            method: "GET",
            headers: { "Content-Type": "application/json" },
            body: undefined,
        });
        expect(requestTo({ url: "http://127.0.0.1:9", token: "t0k" }, "POST", "/v1/search", { q: 1 }).headers).toEqual({
            "Content-Type": "application/json",
            Authorization: "Bearer t0k",
        });
    });
});

describe("answers of the wrong shape", () => {
    const answering = (json: unknown, lost = () => undefined) => new DaemonClient(endpoint, async () => ({ status: 200, json }), lost);

    it("are refused with the path and the field, never read into a TypeError later", async () => {
        const whyless = { results: [{ ...hit("a", 1), why: undefined }] };
        await expect(answering(whyless).similar("q", undefined, "x")).rejects.toThrow(
            "memem: the daemon's answer to /v1/search cannot be read (results[0].why is not a list); are memem and the plugin the same version?",
        );
        await expect(answering({ edges: [{ direction: "up", kind: "k", link: "l", dangling: false }] }).neighbors("a")).rejects.toThrow(
            "(edges[0].direction is not one of in, out)",
        );
        await expect(answering({ edges: [{ direction: "in", kind: "k", link: "l", dangling: "no" }] }).neighbors("a")).rejects.toThrow(
            "(edges[0].dangling is not true or false)",
        );
        await expect(answering({ edges: [{ direction: "in", kind: "k", link: "l", dangling: true, title: 7 }] }).neighbors("a")).rejects.toThrow(
            "(edges[0].title is not text)",
        );
        await expect(answering({ contradictions: [[{ id: "a" }]] }).contradictions()).rejects.toThrow("(contradictions[0][0].title is not text)");
        await expect(answering({ id: "a", shown: "4" }).record("a")).rejects.toThrow("(shown is not a number)");
        await expect(answering({ id: "a", shown: Number.NaN }).record("a")).rejects.toThrow("(shown is not a number)");
        await expect(answering([]).status()).rejects.toThrow("(the answer is not an object)");
        await expect(answering(null).status()).rejects.toThrow("(the answer is not an object)");
        await expect(answering({ notes: 1, vectors: 1, stale_vectors: 0, bad_notes: [], embedder: "m", daemon: "up" }).status()).rejects.toThrow(
            "(daemon is not an object)",
        );
        await expect(answering({ results: {} }).similar("q", undefined, "x")).rejects.toThrow("(results is not a list)");
        await expect(answering({ team: "t" }).propose(["a"])).rejects.toThrow("(branch is not text)");
    });

    it("make the client find the daemon afresh, and take what fits, extra fields and absent optional ones included", async () => {
        let lost = 0;
        await expect(answering({ edges: "none" }, () => void lost++).neighbors("a")).rejects.toThrow(/cannot be read/);
        expect(lost).toBe(1);
        const edges = [{ direction: "out", kind: "supports", link: "b", dangling: true, extra: 1 }, { direction: "in", kind: "k", link: "c", dangling: false, id: null }];
        expect(await answering({ edges }, () => void lost++).neighbors("a")).toEqual(edges);
        const status = { notes: 1, vectors: 1, stale_vectors: 0, bad_notes: [{ path: "x" }], embedder: "m", daemon: { pid: 1, phase: "watching", pending_events: 0 } };
        expect(await answering(status).status()).toEqual(status);
        expect(await answering({ logged: "whatever" }).logEdits({ summary: "s", touched: [] })).toBeUndefined();
        expect(lost).toBe(1);
    });
});

describe("a daemon that does not answer", () => {
    afterEach(() => {
        vi.useRealTimers();
    });

    it("is unavailable after the timeout, and its late answer is dropped", async () => {
        vi.useFakeTimers();
        let answer: (value: { status: number; json: unknown }) => void = () => undefined;
        const hung = withTimeout(() => new Promise((resolve) => (answer = resolve)));
        const call = hung({ url: "http://127.0.0.1:9/v1/status", method: "GET", headers: {} });
        const outcome = call.then(
            () => "answered",
            (error: unknown) => error,
        );
        await vi.advanceTimersByTimeAsync(TRANSPORT_TIMEOUT_MS - 1);
        answer({ status: 200, json: { late: true } }); // in time: it counts
        expect(await outcome).toBe("answered");
        const again = withTimeout(() => new Promise(() => undefined), 5_000)({ url: "u", method: "GET", headers: {} });
        const failed = again.catch((error: unknown) => error);
        await vi.advanceTimersByTimeAsync(5_000);
        const error = await failed;
        expect(error).toBeInstanceOf(DaemonUnavailable);
        expect((error as Error).message).toBe("memem's daemon did not answer within 5 s");
    });

    it("passes a transport's own failure on, and the client tells the locator it lost the daemon", async () => {
        const refused = withTimeout(() => Promise.reject(new Error("ECONNREFUSED")));
        await expect(refused({ url: "u", method: "GET", headers: {} })).rejects.toThrow("ECONNREFUSED");
        const odd = withTimeout(() => Promise.reject("socket closed" as unknown as Error));
        await expect(odd({ url: "u", method: "GET", headers: {} })).rejects.toThrow("socket closed");
        let lost = 0;
        const client = new DaemonClient(endpoint, () => Promise.reject(new DaemonUnavailable("memem's daemon did not answer within 5 s")), () => void lost++);
        await expect(client.status()).rejects.toThrow(/^memem's daemon did not answer within 5 s$/);
        expect(lost).toBe(1);
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

describe("a change the daemon does not answer in time", () => {
    afterEach(() => {
        vi.useRealTimers();
    });

    const PROPOSED: Proposal = { team: "acme", branch: "b", commit: "c", pushed: true, proposed: [], refused: [] };

    it("is given longer than a read: decide and log_edits a minute, a proposal to a team (a push) three", async () => {
        const seen: HttpRequest[] = [];
        const client = new DaemonClient(endpoint, async (request) => {
            seen.push(request);
            return { status: 200, json: request.url.endsWith("team_propose") ? PROPOSED : request.url.endsWith("/proposals") ? [] : {} };
        });
        await client.decide("k", "accept");
        await client.logEdits({ summary: "s", touched: [] });
        await client.propose(["a"]);
        await client.openProposals();
        await client.record("a").catch(() => undefined);
        expect(seen.map((r) => [new URL(r.url).pathname, r.timeout])).toEqual([
            ["/v1/op/proposal_decide", CHANGE_TIMEOUT_MS],
            ["/v1/op/log_edits", CHANGE_TIMEOUT_MS],
            ["/v1/op/team_propose", PUSH_TIMEOUT_MS],
            ["/v1/op/proposals", undefined],
            ["/v1/op/record", undefined],
        ]);
        expect([CHANGE_TIMEOUT_MS, PUSH_TIMEOUT_MS]).toEqual([60_000, 180_000]);
    });

    it("waits for the request's own time bound, and hands the request on without it", async () => {
        vi.useFakeTimers();
        const passed: HttpRequest[] = [];
        const slow = withTimeout((request) => {
            passed.push(request);
            return new Promise(() => undefined);
        });
        const failed = slow({ url: "u", method: "POST", headers: {}, timeout: 60_000 }).catch((error: unknown) => error);
        await vi.advanceTimersByTimeAsync(59_999);
        expect(await Promise.race([failed, Promise.resolve("waiting")])).toBe("waiting");
        await vi.advanceTimersByTimeAsync(1);
        const error = await failed;
        expect(error).toBeInstanceOf(DaemonTimeout);
        expect((error as Error).message).toBe("memem's daemon did not answer within 60 s");
        expect(passed).toEqual([{ url: "u", method: "POST", headers: {} }]);
    });

    it("has an unknown outcome, said as such; a read that times out, or a change never delivered, is a daemon not there", async () => {
        let lost = 0;
        const timingOut = new DaemonClient(endpoint, () => Promise.reject(new DaemonTimeout("memem's daemon did not answer within 60 s")), () => void lost++);
        const unknown = await timingOut.decide("k", "accept").catch((error: unknown) => error);
        expect(unknown).toBeInstanceOf(OutcomeUnknown);
        expect((unknown as Error).message).toBe(
            "memem: the daemon did not answer within 60 s, so the outcome is unknown: it may still be carried out; check again before retrying",
        );
        await expect(timingOut.propose(["a"])).rejects.toThrow("memem: the daemon did not answer within 180 s, so the outcome is unknown");
        expect(lost).toBe(2);
        const read = await timingOut.status().catch((error: unknown) => error);
        expect(read).toBeInstanceOf(DaemonTimeout);
        const refused = new DaemonClient(endpoint, () => Promise.reject(new Error("ECONNREFUSED")));
        const undelivered = await refused.decide("k", "reject").catch((error: unknown) => error);
        expect(undelivered).toBeInstanceOf(DaemonUnavailable);
        expect(undelivered).not.toBeInstanceOf(OutcomeUnknown);
    });

    it("is looked up again by asking which proposals are still open", async () => {
        const seen: HttpRequest[] = [];
        const client = new DaemonClient(endpoint, async (request) => {
            seen.push(request);
            return { status: 200, json: [{ key: "merge-1", kind: "merge" }, { key: "stale-2" }] };
        });
        expect(await client.openProposals()).toEqual(["merge-1", "stale-2"]);
        expect([seen[0].url, seen[0].method, JSON.parse(seen[0].body!)]).toEqual(["http://127.0.0.1:9/v1/op/proposals", "POST", {}]);
        const odd = new DaemonClient(endpoint, async () => ({ status: 200, json: [{ id: "x" }] }));
        await expect(odd.openProposals()).rejects.toThrow("([0].key is not text)");
    });
});
