/**
 * The plugin's settings and how saved data merges into them (into a fresh object: defaults stay intact).
 * Two homes: what holds for the vault on every device goes in `data.json` (synced with the vault); how
 * to reach this machine's daemon (address, token, state folder) stays on the device, so a token never
 * travels to another device or into a vault backup.
 */

export interface MememSettings {
    /** Where memem keeps memories, relative to the vault root. */
    memoriesFolder: string;
    /** memem's state folder (`MEMEM_DIR`); empty means the same default memem uses (`~/.memem`). */
    memDir: string;
    /** The daemon's address, e.g. `http://127.0.0.1:54321`; empty means discover it (its port changes on each start). */
    daemonAddress: string;
    /** The daemon's token; empty means read it from memem's state folder. */
    daemonToken: string;
    /** How often the status bar asks the daemon for its state, in seconds. */
    statusSeconds: number;
}

export const DEFAULT_SETTINGS: Readonly<MememSettings> = Object.freeze({
    memoriesFolder: "memem/memories",
    memDir: "",
    daemonAddress: "",
    daemonToken: "",
    statusSeconds: 15,
});

/** Settings kept per device, never written to the synced `data.json`. */
export const DEVICE_KEYS = ["memDir", "daemonAddress", "daemonToken"] as const satisfies readonly (keyof MememSettings)[];
export type DeviceKey = (typeof DEVICE_KEYS)[number];

/** The settings split into what `data.json` holds and what this device keeps. */
export function splitSettings(settings: MememSettings): { synced: Partial<MememSettings>; device: Record<DeviceKey, string> } {
    const synced: Partial<MememSettings> = { ...settings };
    const device = {} as Record<DeviceKey, string>;
    for (const key of DEVICE_KEYS) {
        device[key] = settings[key];
        delete synced[key];
    }
    return { synced, device };
}

/** Saved data over the defaults, keeping only known keys of the right type. */
export function mergeSettings(saved: unknown): MememSettings {
    const merged: MememSettings = { ...DEFAULT_SETTINGS };
    if (saved && typeof saved === "object") {
        const data = saved as Record<string, unknown>;
        for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof MememSettings)[]) {
            const value = data[key];
            if (typeof value === typeof DEFAULT_SETTINGS[key]) (merged as unknown as Record<string, unknown>)[key] = value;
        }
    }
    merged.memoriesFolder = normalizeFolder(merged.memoriesFolder) || DEFAULT_SETTINGS.memoriesFolder;
    merged.statusSeconds = Math.max(2, Math.min(3600, Math.round(merged.statusSeconds)));
    return merged;
}

export function normalizeFolder(folder: string): string {
    return folder.trim().replace(/\\/g, "/").replace(/\/+/g, "/").replace(/^\/|\/$/g, "");
}

/** A daemon address must stay on this machine: memem's daemon binds loopback only. */
export function checkAddress(address: string): string | null {
    if (!address.trim()) return null;
    try {
        const url = new URL(address.trim());
        if (url.protocol !== "http:") return "The address must start with http://";
        if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
            return "memem's daemon listens on loopback only (127.0.0.1 or localhost)";
        }
        return null;
    } catch {
        return "Not an address; for example http://127.0.0.1:54321";
    }
}
