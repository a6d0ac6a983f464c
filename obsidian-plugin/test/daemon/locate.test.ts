import { createServer, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DaemonClient, DaemonUnavailable, type HttpRequest, type Transport } from "../../src/daemon/client";
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

describe("a trusted endpoint", () => {
    it("is checked afresh when daemon.json names another pid, its process has stopped, or the settings name the address", async () => {
        const seen: HttpRequest[] = [];
        const entries: Record<string, string> = { "/h/token": "secret", "/h/vaults/v-1/daemon.json": JSON.stringify({ host: "127.0.0.1", port: 4321, vault: "/vault", pid: 77 }) };
        let running = new Set([77]);
        const access: FileAccess = { ...files(entries), readText: async (path) => entries[path] ?? null, alive: (pid) => running.has(pid) };
        const locator = new DaemonLocator(options(), access, async (request) => {
            seen.push(request);
            return { status: 200, json: { ok: true, pid: 78 } };
        });
        const bound = JSON.parse(entries["/h/vaults/v-1/daemon.json"]) as object;
        const checkedAt = async () => {
            try {
                await locator.endpoint();
            } catch {
                // what matters here is whether health was asked
            }
            return seen.splice(0).map((r) => r.url);
        };
        // Restarted on the same port: a new pid is a new daemon, checked before it hears the token.
        entries["/h/vaults/v-1/daemon.json"] = JSON.stringify({ ...bound, pid: 78 });
        running = new Set([78]);
        expect(await checkedAt()).toEqual(["http://127.0.0.1:4321/v1/health"]);
        expect(await checkedAt()).toEqual([]); // trusted now
        running = new Set(); // crashed, its daemon.json left behind
        expect(await checkedAt()).toEqual(["http://127.0.0.1:4321/v1/health"]);
        running = new Set([78]);
        expect(await checkedAt()).toEqual([]);
        // Stopped (daemon.json gone), then the same file back: the trust ended with the file.
        const file = entries["/h/vaults/v-1/daemon.json"];
        delete entries["/h/vaults/v-1/daemon.json"];
        expect(await checkedAt()).toEqual([]);
        entries["/h/vaults/v-1/daemon.json"] = file;
        expect(await checkedAt()).toEqual(["http://127.0.0.1:4321/v1/health"]);
        const set = new DaemonLocator(options({ address: "http://127.0.0.1:9", token: "t" }), null, health(5, seen));
        await set.endpoint();
        await set.endpoint();
        expect(seen.map((r) => r.url)).toEqual(["http://127.0.0.1:9/v1/health", "http://127.0.0.1:9/v1/health"]);
    });
});

describe("a port another process took after the daemon stopped", () => {
    const servers: Server[] = [];
    afterEach(async () => {
        for (const server of servers.splice(0)) {
            server.closeAllConnections();
            await new Promise((resolve) => server.close(resolve));
        }
    });
    const listen = async (handler: (req: IncomingMessage, res: ServerResponse) => void, port = 0): Promise<number> => {
        const server = createServer(handler);
        servers.push(server);
        await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
        return (server.address() as AddressInfo).port;
    };
    const answer = (res: ServerResponse, status: number, json: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(json));
    };
    /** HTTP over the network with Node's client, as `requestUrl` sends it in the app (no CORS, no pooling). */
    const http: Transport = (request) =>
        new Promise((resolve, reject) => {
            const sent = httpRequest(request.url, { method: request.method, headers: { ...request.headers, Connection: "close" } }, (res) => {
                let text = "";
                res.on("data", (chunk: Buffer) => (text += chunk.toString()));
                res.on("end", () => {
                    let json: unknown = null;
                    try {
                        json = JSON.parse(text);
                    } catch {
                        json = null;
                    }
                    resolve({ status: res.statusCode ?? 0, json });
                });
            });
            sent.on("error", reject);
            sent.end(request.body);
        });

    it("never sees the token, though the daemon was trusted a moment before", async () => {
        const STATUS = { notes: 1, vectors: 1, stale_vectors: 0, bad_notes: [], embedder: "m", daemon: { pid: 77, phase: "watching", pending_events: 0 } };
        const port = await listen((req, res) => answer(res, 200, req.url === "/v1/health" ? { ok: true, pid: 77 } : STATUS));
        const entries: Record<string, string> = {
            "/h/token": "secret",
            "/h/vaults/v-1/daemon.json": JSON.stringify({ host: "127.0.0.1", port, vault: "/vault", pid: 77 }),
        };
        const locator = new DaemonLocator(options(), files(entries), http);
        const client = new DaemonClient(() => locator.endpoint(), http, () => locator.forget());
        expect((await client.status()).notes).toBe(1);

        // The daemon stops (removing its daemon.json, as memem's does), and a plain server binds its port.
        const daemon = servers.pop()!;
        daemon.closeAllConnections();
        await new Promise((resolve) => daemon.close(resolve));
        delete entries["/h/vaults/v-1/daemon.json"];
        const heard: (string | undefined)[] = [];
        await listen((req, res) => {
            heard.push(req.headers.authorization);
            answer(res, 404, { error: "not found" });
        }, port);

        await expect(client.status()).rejects.toThrow("memem's daemon is not running for this vault");
        expect(heard).toEqual([]);
        // Were daemon.json left behind (a crash), the health check would meet the other process, without the token.
        entries["/h/vaults/v-1/daemon.json"] = JSON.stringify({ host: "127.0.0.1", port, vault: "/vault", pid: 77 });
        await expect(client.status()).rejects.toThrow(`memem: http://127.0.0.1:${port} is not memem's daemon for this vault (HTTP 404)`);
        expect(heard).toEqual([undefined]);
    });
});
