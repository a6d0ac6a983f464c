/**
 * The settings that belong to this device (see `settings.ts`): the daemon token in Obsidian's secret
 * storage (the system keychain), the rest in the vault's local storage on this device. Neither is synced
 * with the vault or written into it.
 */

import type { App } from "obsidian";
import { DEVICE_KEYS, type DeviceKey } from "../settings";

const TOKEN_SECRET = "memem-daemon-token";
const localKey = (key: DeviceKey) => `memem-${key}`;

export class DeviceStore {
    constructor(private readonly app: App) {}

    load(): Record<DeviceKey, string> {
        const values = {} as Record<DeviceKey, string>;
        for (const key of DEVICE_KEYS) {
            const stored: unknown = key === "daemonToken" ? this.app.secretStorage.getSecret(TOKEN_SECRET) : this.app.loadLocalStorage(localKey(key));
            values[key] = typeof stored === "string" ? stored : "";
        }
        return values;
    }

    save(values: Record<DeviceKey, string>): void {
        for (const key of DEVICE_KEYS) {
            if (key === "daemonToken") this.app.secretStorage.setSecret(TOKEN_SECRET, values[key]);
            else this.app.saveLocalStorage(localKey(key), values[key] || null);
        }
    }

    /** Where the token is kept, in words for the settings tab. */
    tokenHome(): string {
        return "Obsidian's secret storage on this device";
    }
}
