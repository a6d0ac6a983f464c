/** The daemon's token and address stay on the device: never in the synced data.json. */

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import MememPlugin from "../../src/main";
import { DeviceStore } from "../../src/obsidian/device-store";
import { App, memoryStorage, network } from "../shim/obsidian";
import { templateFiles } from "../fixtures";

let app: App;
const request = network.request;

afterEach(() => {
    network.request = request;
});

beforeEach(async () => {
    // An address set here makes the status bar ask it: no daemon answers in these tests.
    network.request = () => Promise.reject(new Error("connection refused"));
    app = new App(memoryStorage(templateFiles()));
    await app.vault.load();
});

async function load(saved: object): Promise<MememPlugin> {
    const plugin = new MememPlugin(app as never, { id: "memem", version: "0.1.0" } as never);
    await plugin.saveData(saved);
    await plugin.onload();
    return plugin;
}

const input = (plugin: MememPlugin, name: string) => {
    const tab = (plugin as unknown as { settingTabs: { display(): void; containerEl: HTMLElement }[] }).settingTabs[0];
    tab.display();
    const setting = tab.containerEl.querySelector(`[data-name="${name}"]`) as HTMLElement;
    return { input: setting.querySelector("input") as HTMLInputElement, setting };
};

const type = (el: HTMLInputElement, value: string) => {
    el.value = value;
    el.dispatchEvent(new Event("input"));
};

describe("device settings", () => {
    it("reads empty values on a device that stored nothing yet", () => {
        expect(new DeviceStore(app as never).load()).toEqual({ memDir: "", daemonAddress: "", daemonToken: "" });
    });

    it("moves a token saved by an older version out of data.json into secret storage", async () => {
        const plugin = await load({ memoriesFolder: "memem/memories", daemonToken: "old-token" });
        expect(plugin.settings.daemonToken).toBe("old-token");
        expect(await plugin.loadData()).toEqual({ memoriesFolder: "memem/memories", statusSeconds: 15 });
        expect(app.secretStorage?.getSecret("memem-daemon-token")).toBe("old-token");
        expect(JSON.stringify(await plugin.loadData())).not.toContain("old-token");
    });

    it("drops a daemon address and state folder found in data.json without adopting them", async () => {
        // data.json syncs with the vault: one that arrives crafted must not choose where the token goes.
        const plugin = await load({ memoriesFolder: "memem/memories", daemonAddress: "http://127.0.0.1:6666", memDir: "/tmp/crafted" });
        expect(plugin.settings).toMatchObject({ daemonAddress: "", memDir: "" });
        expect(app.loadLocalStorage("memem-daemonAddress")).toBeNull();
        expect(app.loadLocalStorage("memem-memDir")).toBeNull();
        expect(await plugin.loadData()).toEqual({ memoriesFolder: "memem/memories", statusSeconds: 15 });
    });

    it("keeps this device's own values over data.json's, the token included", async () => {
        app.secretStorage.setSecret("memem-daemon-token", "device-token");
        app.saveLocalStorage("memem-daemonAddress", "http://127.0.0.1:7");
        const plugin = await load({ daemonToken: "synced-token", daemonAddress: "http://127.0.0.1:6666", daemonToken2: 1 });
        expect(plugin.settings).toMatchObject({ daemonToken: "device-token", daemonAddress: "http://127.0.0.1:7" });
        expect(app.secretStorage.getSecret("memem-daemon-token")).toBe("device-token");
        expect(await plugin.loadData()).not.toHaveProperty("daemonAddress");
    });

    it("ignores a token in data.json that is not text", async () => {
        const plugin = await load({ daemonToken: 42 });
        expect(plugin.settings.daemonToken).toBe("");
        expect(await plugin.loadData()).not.toHaveProperty("daemonToken");
    });

    it("writes a token typed in settings to secret storage only", async () => {
        const plugin = await load({});
        const field = input(plugin, "Daemon token");
        expect(field.input.type).toBe("password");
        type(field.input, "t2");
        await new Promise((r) => setTimeout(r, 0));
        expect(app.secretStorage?.getSecret("memem-daemon-token")).toBe("t2");
        expect(JSON.stringify(await plugin.loadData())).not.toContain("t2");
        expect([...app.localStorage.values()].join()).not.toContain("t2");
        expect(field.setting.textContent).toMatch(/Kept in Obsidian's secret storage on this device, never in the synced plugin data/);
    });

    it("reads device values back on the next start, and refuses a non-loopback address", async () => {
        let plugin = await load({});
        type(input(plugin, "Daemon token").input, "tok");
        type(input(plugin, "Daemon address").input, "http://192.168.1.9:80");
        await new Promise((r) => setTimeout(r, 0));
        expect(plugin.settings.daemonAddress).toBe("");
        expect(input(plugin, "Daemon address").setting.textContent).toBe(
            "Leave empty to find the daemon serving this vault automatically (desktop); its port changes on every start.",
        );
        type(input(plugin, "Daemon address").input, "http://127.0.0.1:7");
        await new Promise((r) => setTimeout(r, 20)); // saved once typing pauses
        plugin = new MememPlugin(app as never, { id: "memem", version: "0.1.0" } as never);
        await plugin.onload();
        expect(plugin.settings).toMatchObject({ daemonToken: "tok", daemonAddress: "http://127.0.0.1:7" });
    });

    it("re-reads the memories when the memories folder changes", async () => {
        const plugin = await load({});
        expect(plugin.actions.memories().size).toBeGreaterThan(0);
        type(input(plugin, "Memories folder").input, "elsewhere");
        await new Promise((r) => setTimeout(r, 0));
        expect(plugin.actions.memories().size).toBe(0);
    });
});
