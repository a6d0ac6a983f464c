/** What the plugin takes from the machine: HTTP through Obsidian, and memem's state folder on desktop. */

import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DaemonUnavailable, TRANSPORT_TIMEOUT_MS } from "../../src/daemon/client";
import { desktopAccess, obsidianTransport, processRuns } from "../../src/obsidian/platform";
import { network, Platform, type RequestUrlParam } from "../shim/obsidian";

const desktop = { ...Platform };
const request = network.request;
afterEach(() => {
    Object.assign(Platform, desktop);
    network.request = request;
});

describe("obsidianTransport", () => {
    it("sends through requestUrl without throwing on HTTP errors, and hands back status and JSON", async () => {
        const sent: (RequestUrlParam & { throw?: boolean; contentType?: string })[] = [];
        network.request = async (r) => {
            sent.push(r);
            return { status: 401, text: '{"error":"bad token"}' };
        };
        const answer = await obsidianTransport({ url: "http://127.0.0.1:7/v1/search", method: "POST", headers: { Authorization: "Bearer t" }, body: "{}" });
        expect(answer).toEqual({ status: 401, json: { error: "bad token" } });
        expect(sent).toEqual([
            {
                url: "http://127.0.0.1:7/v1/search",
                method: "POST",
                headers: { Authorization: "Bearer t" },
                body: "{}",
                throw: false,
                contentType: "application/json",
            },
        ]);
    });

    it("gives up on a daemon that does not answer within the timeout", async () => {
        vi.useFakeTimers();
        try {
            network.request = () => new Promise(() => undefined);
            const call = obsidianTransport({ url: "http://127.0.0.1:7/v1/status", method: "GET", headers: {} }).catch((error: unknown) => error);
            await vi.advanceTimersByTimeAsync(TRANSPORT_TIMEOUT_MS);
            const error = await call;
            expect(error).toBeInstanceOf(DaemonUnavailable);
            expect((error as Error).message).toBe("memem's daemon did not answer within 5 s");
        } finally {
            vi.useRealTimers();
        }
    });

    it("gives null JSON for a body that is not JSON", async () => {
        network.request = async () => ({ status: 502, text: "<html>Bad gateway</html>" });
        expect(await obsidianTransport({ url: "http://127.0.0.1:7/v1/status", method: "GET", headers: {} })).toEqual({ status: 502, json: null });
    });
});

describe("desktopAccess", () => {
    let dir: string;
    const memDir = process.env.MEMEM_DIR;
    beforeEach(() => {
        dir = realpathSync(mkdtempSync(join(tmpdir(), "memem-platform-")));
    });
    afterEach(() => {
        rmSync(dir, { recursive: true, force: true });
        if (memDir === undefined) delete process.env.MEMEM_DIR;
        else process.env.MEMEM_DIR = memDir;
    });

    it("is there only in the desktop app", async () => {
        Object.assign(Platform, { isDesktop: true, isDesktopApp: false });
        expect(await desktopAccess()).toBeNull();
        Object.assign(Platform, { isDesktop: false, isDesktopApp: true });
        expect(await desktopAccess()).toBeNull();
        Object.assign(Platform, { isDesktop: true, isDesktopApp: true });
        expect(await desktopAccess()).not.toBeNull();
    });

    it("reads text files, lists folders and resolves links, with null, nothing or the path itself for what is missing", async () => {
        writeFileSync(join(dir, "token"), "tök\n", "utf8");
        mkdirSync(join(dir, "vaults", "a"), { recursive: true });
        mkdirSync(join(dir, "vaults", "b"));
        writeFileSync(join(dir, "vaults", "notes.txt"), "not a folder");
        symlinkSync(join(dir, "vaults", "a"), join(dir, "link"));
        const { files } = (await desktopAccess())!;
        expect(await files.readText(join(dir, "token"))).toBe("tök\n");
        expect(await files.readText(join(dir, "missing"))).toBeNull();
        expect((await files.listDirs(join(dir, "vaults"))).sort()).toEqual(["a", "b"]);
        expect(await files.listDirs(join(dir, "missing"))).toEqual([]);
        expect(await files.realpath(join(dir, "link"))).toBe(join(dir, "vaults", "a"));
        expect(await files.realpath(join(dir, "missing"))).toBe(join(dir, "missing"));
    });

    it("tells whether a process runs: this one does, a pid beyond any the system gives out does not", async () => {
        const { files } = (await desktopAccess())!;
        expect(files.alive?.(process.pid)).toBe(true);
        expect(files.alive?.(2 ** 30)).toBe(false);
        const failing = (code: unknown) => () => {
            throw Object.assign(new Error("kill"), { code });
        };
        expect(processRuns(failing("EPERM"), 1)).toBe(true); // another user's process: it runs
        expect(processRuns(failing("ESRCH"), 1)).toBe(false);
        expect(
            processRuns(() => {
                throw null; // a thrown non-error must not break the check
            }, 1),
        ).toBe(false);
        const asked: [number, number][] = [];
        expect(processRuns((pid, signal) => asked.push([pid, signal]), 42)).toBe(true);
        expect(asked).toEqual([[42, 0]]);
    });

    it("finds memem's state folder as memem does: MEMEM_DIR, else ~/.memem", async () => {
        process.env.MEMEM_DIR = dir;
        expect((await desktopAccess())!.defaultMemDir).toBe(dir);
        delete process.env.MEMEM_DIR;
        expect((await desktopAccess())!.defaultMemDir).toBe(`${homedir()}/.memem`);
    });
});
