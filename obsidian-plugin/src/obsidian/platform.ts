/**
 * What the plugin needs from the machine: HTTP through Obsidian's `requestUrl` (no CORS, loopback only)
 * and, on desktop, read access to memem's state folder for discovery. Node's modules are loaded lazily
 * and only on desktop, so the bundle runs on mobile, where there is no daemon to find and every editing
 * flow still works.
 */

import { Platform, requestUrl } from "obsidian";
import { type Transport, withTimeout } from "../daemon/client";
import type { FileAccess } from "../daemon/discovery";

/** Each call time-limited (`requestUrl` has no timeout of its own): a hung daemon reads as one not there. */
export const obsidianTransport: Transport = withTimeout(async (request) => {
    const response = await requestUrl({ ...request, throw: false, contentType: "application/json" });
    let json: unknown = null;
    try {
        json = response.json;
    } catch {
        json = null;
    }
    return { status: response.status, json };
});

/** What discovery needs from the desktop: memem's state folder and read access to it. */
export interface DesktopAccess {
    files: FileAccess;
    /** `$MEMEM_DIR` or `~/.memem`, as memem computes it. */
    defaultMemDir: string;
}

/** Node's fs, os and process on desktop (Obsidian runs in Electron); null on mobile. */
export async function desktopAccess(): Promise<DesktopAccess | null> {
    if (Platform.isDesktop && Platform.isDesktopApp) {
        try {
            const fs = await import("fs");
            const os = await import("os");
            const proc = await import("process");
            const files: FileAccess = {
                readText: (path) => fs.promises.readFile(path, "utf8").catch(() => null),
                listDirs: async (path) =>
                    (await fs.promises.readdir(path, { withFileTypes: true }).catch(() => []))
                        .filter((e) => e.isDirectory())
                        .map((e) => e.name),
                realpath: (path) => fs.promises.realpath(path).catch(() => path),
                alive: (pid) => processRuns((id, signal) => proc.kill(id, signal), pid),
            };
            return { files, defaultMemDir: proc.env.MEMEM_DIR || `${os.homedir()}/.memem` };
        } catch {
            return null;
        }
    }
    return null;
}

/** Whether process `pid` runs, asked with signal 0 (which delivers nothing): EPERM means it runs as
 *  another user; any other failure (ESRCH) that it does not. */
export function processRuns(kill: (pid: number, signal: number) => unknown, pid: number): boolean {
    try {
        kill(pid, 0);
        return true;
    } catch (error) {
        return (error as { code?: unknown } | null)?.code === "EPERM";
    }
}
