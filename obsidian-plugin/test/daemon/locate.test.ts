import { describe, expect, it } from "vitest";
import { DaemonClient, DaemonUnavailable, type HttpRequest } from "../../src/daemon/client";
import type { FileAccess } from "../../src/daemon/discovery";
import { DaemonLocator, TRUST_MS } from "../../src/daemon/locate";

const files = (entries: Record<string, string>): FileAccess => ({
    readText: async (path) => entries[path] ?? null,
    listDirs: async (path) => [...new Set(Object.keys(entries).filter((p) => p.startsWith(`${path}/`)).map((p) => p.slice(path.length + 1).split("/")[0]))],
    realpath: async (path) => path,
});

const daemonJson = (host: string, port: number, pid: number) =>
    files({ "/h/token": "secret", "/h/vaults/v-1/daemon.json": JSON.stringify({ host, port, vault: "/vault", pid }) });

function health(pid: number | null, seen: HttpRequest[] = []) {
    return async (request: HttpRequest) => {
        seen.push(request);
        if (pid === null) throw new Error("ECONNREFUSED");
        return { status: 200, json: { ok: true, pid } };
    };
}

const options = (extra = {}) => () => ({ memDir: "/h", vaultPath: "/vault", ...extra });

describe("daemon locator", () => {
    it("checks the discovered daemon is alive and is the one its daemon.json names", async () => {
        const seen: HttpRequest[] = [];
        const locator = new DaemonLocator(options(), daemonJson("127.0.0.1", 4321, 77), health(77, seen));
        expect(await locator.endpoint()).toEqual({ url: "http://127.0.0.1:4321", token: "secret" });
        expect(seen[0]).toMatchObject({ url: "http://127.0.0.1:4321/v1/health", method: "GET" });
        expect(seen[0].headers).not.toHaveProperty("Authorization");
    });

    it("sends the token only once the pid matches: a process that took the port hears a health probe alone", async () => {
        const seen: HttpRequest[] = [];
        const answer = (pid: number) => async (request: HttpRequest) => {
            seen.push(request);
            return request.url.endsWith("/v1/health") ? { status: 200, json: { ok: true, pid } } : { status: 401, json: null };
        };
        const impostor = new DaemonLocator(options(), daemonJson("127.0.0.1", 4321, 77), answer(78));
        await expect(new DaemonClient(() => impostor.endpoint(), answer(78)).status()).rejects.toThrow(/pid 77\) is gone/);
        expect(seen.map((r) => r.url)).toEqual(["http://127.0.0.1:4321/v1/health"]);
        expect(JSON.stringify(seen)).not.toContain("secret");
        seen.length = 0;
        const daemon = new DaemonLocator(options(), daemonJson("127.0.0.1", 4321, 77), answer(77));
        await new DaemonClient(() => daemon.endpoint(), answer(77)).status().catch(() => undefined);
        expect(seen.map((r) => [r.url, r.headers.Authorization])).toEqual([
            ["http://127.0.0.1:4321/v1/health", undefined],
            ["http://127.0.0.1:4321/v1/status", "Bearer secret"],
        ]);
    });

    it("calls a daemon.json stale when nothing answers, or another process does", async () => {
        await expect(new DaemonLocator(options(), daemonJson("127.0.0.1", 1, 77), health(null)).endpoint()).rejects.toThrow(/stale/);
        await expect(new DaemonLocator(options(), daemonJson("127.0.0.1", 1, 77), health(78)).endpoint()).rejects.toThrow(/pid 77\) is gone/);
        const notMemem = new DaemonLocator(options(), daemonJson("127.0.0.1", 1, 77), async () => ({ status: 404, json: null }));
        await expect(notMemem.endpoint()).rejects.toThrow(/not memem's daemon/);
    });

    it("never sends the token off this machine, from discovery or from settings", async () => {
        const seen: HttpRequest[] = [];
        const remote = new DaemonLocator(options(), daemonJson("10.0.0.5", 1, 77), health(77, seen));
        await expect(remote.endpoint()).rejects.toThrow(/not on this machine/);
        const saved = new DaemonLocator(options({ address: "http://example.com:80", token: "t" }), files({}), health(77, seen));
        await expect(saved.endpoint()).rejects.toThrow(DaemonUnavailable);
        await expect(saved.endpoint()).rejects.toThrow(/loopback/);
        expect(seen).toEqual([]);
    });

    it("uses an address and token from settings after the same health check", async () => {
        const seen: HttpRequest[] = [];
        const locator = new DaemonLocator(options({ address: "http://localhost:9", token: "t" }), null, health(5, seen));
        expect(await locator.endpoint()).toEqual({ url: "http://localhost:9", token: "t" });
        expect(seen).toHaveLength(1);
    });

    it("trusts a checked endpoint for a while, and finds it again after forget() or the time", async () => {
        let now = 0;
        const seen: HttpRequest[] = [];
        const locator = new DaemonLocator(options(), daemonJson("127.0.0.1", 4321, 77), health(77, seen), () => now);
        await locator.endpoint();
        await locator.endpoint();
        expect(seen).toHaveLength(1);
        locator.forget();
        await locator.endpoint();
        expect(seen).toHaveLength(2);
        now += TRUST_MS + 1;
        await locator.endpoint();
        expect(seen).toHaveLength(3);
    });

    it("says the daemon is not running when there is nothing to find (mobile, no token, no daemon.json)", async () => {
        await expect(new DaemonLocator(() => null, null, health(1)).endpoint()).rejects.toThrow("memem's daemon is not running for this vault");
        await expect(new DaemonLocator(options(), files({ "/h/token": "t" }), health(1)).endpoint()).rejects.toThrow(/not running/);
    });
});
