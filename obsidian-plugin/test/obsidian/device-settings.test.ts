/** The daemon's token and address stay on the device: never in the synced data.json. */

import { beforeEach, describe, expect, it } from "vitest";
import MememPlugin from "../../src/main";
import { DeviceStore } from "../../src/obsidian/device-store";
import { App, memoryStorage } from "../shim/obsidian";
import { templateFiles } from "../fixtures";

let app: App;

beforeEach(async () => {
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
        const plugin = await load({ memoriesFolder: "memem/memories", daemonToken: "old-token", daemonAddress: "http://127.0.0.1:5" });
        expect(plugin.settings.daemonToken).toBe("old-token");
        expect(await plugin.loadData()).toEqual({ memoriesFolder: "memem/memories", statusSeconds: 15 });
        expect(app.secretStorage?.getSecret("memem-daemon-token")).toBe("old-token");
        expect(app.loadLocalStorage("memem-daemonAddress")).toBe("http://127.0.0.1:5");
        expect(JSON.stringify(await plugin.loadData())).not.toContain("old-token");
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
        await new Promise((r) => setTimeout(r, 0));
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
