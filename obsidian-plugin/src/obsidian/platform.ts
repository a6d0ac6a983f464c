/**
 * What the plugin needs from the machine: HTTP through Obsidian's `requestUrl` (no CORS, loopback only)
 * and, on desktop, read access to memem's state folder for discovery. On mobile there is no daemon to
 * find; everything that edits the vault still works.
 */

import { Platform, requestUrl } from "obsidian";
import type { Transport } from "../daemon/client";
import type { FileAccess } from "../daemon/discovery";

export const obsidianTransport: Transport = async (request) => {
    const response = await requestUrl({ ...request, throw: false, contentType: "application/json" });
    let json: unknown = null;
    try {
        json = response.json;
    } catch {
        json = null;
    }
    return { status: response.status, json };
};

interface NodeFs {
    promises: {
        readFile(path: string, encoding: "utf8"): Promise<string>;
        readdir(path: string, options: { withFileTypes: true }): Promise<{ name: string; isDirectory(): boolean }[]>;
        realpath(path: string): Promise<string>;
    };
}

/** Node's fs on desktop (Obsidian runs in Electron), null elsewhere. */
export function nodeFiles(): FileAccess | null {
    if (!Platform.isDesktopApp) return null;
    let fs: NodeFs;
    try {
        fs = require("fs") as NodeFs;
    } catch {
        return null;
    }
    return {
        readText: (path) => fs.promises.readFile(path, "utf8").catch(() => null),
        listDirs: async (path) =>
            (await fs.promises.readdir(path, { withFileTypes: true }).catch(() => []))
                .filter((e) => e.isDirectory())
                .map((e) => e.name),
        realpath: (path) => fs.promises.realpath(path).catch(() => path),
    };
}

/** memem's default state folder, as memem computes it: `$MEMEM_DIR` or `~/.memem`. */
export function defaultMemDir(): string | null {
    if (!Platform.isDesktopApp) return null;
    try {
        const os = require("os") as { homedir(): string };
        const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
        return env?.MEMEM_DIR || `${os.homedir()}/.memem`;
    } catch {
        return null;
    }
}
