/**
 * Finding the daemon that serves this vault, the way memem's own CLI does: each running daemon writes
 * `$MEMEM_DIR/vaults/<state>/daemon.json` (host, port, vault), and the per-install token sits in
 * `$MEMEM_DIR/token` (mode 0600). A daemon address set in the settings wins over discovery.
 */

export interface FileAccess {
    readText(path: string): Promise<string | null>;
    listDirs(path: string): Promise<string[]>;
    realpath(path: string): Promise<string>;
    /** Whether a process with this pid runs on this machine (desktop); absent where that cannot be asked. */
    alive?(pid: number): boolean;
}

export interface DiscoveryOptions {
    /** memem's state folder (`MEMEM_DIR`, default `~/.memem`). */
    memDir: string;
    /** The vault's folder on disk. */
    vaultPath: string;
    /** `http://127.0.0.1:PORT` from the settings, when set: used instead of daemon.json. */
    address?: string;
    /** A token from the settings, when set: used instead of the token file. */
    token?: string;
}

export interface Discovered {
    url: string;
    token: string;
    pid?: number;
}

const join = (...parts: string[]) => parts.join("/").replace(/\/+/g, "/");

export async function discoverDaemon(options: DiscoveryOptions, files: FileAccess): Promise<Discovered | null> {
    const token = options.token?.trim() || (await files.readText(join(options.memDir, "token")))?.trim();
    if (!token) return null;
    if (options.address?.trim()) return { url: options.address.trim(), token };
    const vault = await files.realpath(options.vaultPath);
    for (const dir of await files.listDirs(join(options.memDir, "vaults"))) {
        const raw = await files.readText(join(options.memDir, "vaults", dir, "daemon.json"));
        if (!raw) continue;
        try {
            const info = JSON.parse(raw) as { host: string; port: number; vault: string; pid: number };
            if (info.vault === vault || info.vault === options.vaultPath) {
                return { url: `http://${info.host}:${info.port}`, token, pid: info.pid };
            }
        } catch {
            // a daemon.json half-written at this instant: the next poll reads it whole
        }
    }
    return null;
}
