/** The settings tab: the classic page older Obsidian draws, and the declared settings 1.13 searches. */

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import MememPlugin from "../../src/main";
import type { MememSettingTab } from "../../src/obsidian/settings-tab";
import { App, memoryStorage, network, type RequestUrlParam, Setting } from "../shim/obsidian";
import { templateFiles } from "../fixtures";

let app: App;
let plugin: MememPlugin;
let tab: MememSettingTab;
/** Every request the plugin sent: an address saved here is asked for the daemon's health at once. */
let sent: RequestUrlParam[];

const request = network.request;
afterEach(() => {
    network.request = request;
});

beforeEach(async () => {
    // An address typed here makes the status bar ask it: no daemon answers in these tests.
    sent = [];
    network.request = (r) => {
        sent.push(r);
        return Promise.reject(new Error("connection refused"));
    };
    app = new App(memoryStorage(templateFiles()));
    await app.vault.load();
    plugin = new MememPlugin(app as never, { id: "memem", version: "0.2.0" } as never);
    await plugin.onload();
    tab = (plugin as unknown as { settingTabs: MememSettingTab[] }).settingTabs[0];
    tab.display();
});

const row = (name: string) => tab.containerEl.querySelector<HTMLElement>(`[data-name="${name}"]`)!;
const field = (name: string) => row(name).querySelector("input")!;
const desc = (name: string) => row(name).querySelector(".setting-item-description")!.textContent;
/** One keystroke's worth: the field's value changes and its input event fires. */
const key = (name: string, value: string) => {
    const input = field(name);
    input.value = value;
    input.dispatchEvent(new Event("input"));
};
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
const type = async (name: string, value: string) => {
    key(name, value);
    await tick();
};
/** Long enough for a pause in typing (the stand-in's debounce waits at most a few ms). */
const pause = () => tick(20);
const asked = () => sent.map((r) => new URL(r.url).port);

describe("settings page", () => {
    it("draws the four settings, the token as a password, each with its hint", () => {
        expect([...tab.containerEl.querySelectorAll("[data-name]")].map((el) => el.getAttribute("data-name"))).toEqual([
            "Memories folder",
            "Daemon address",
            "Daemon token",
            "State folder",
        ]);
        expect(desc("Memories folder")).toBe("The folder, relative to the vault, where memem keeps one note per memory.");
        expect(desc("State folder")).toBe("Where memem keeps its token and indexes on this device. Empty means the default, ~/.memem.");
        expect(field("Memories folder").placeholder).toBe("memem/memories");
        expect(field("Daemon address").placeholder).toBe("Found automatically");
        expect(field("State folder").placeholder).toBe("");
        expect(field("Daemon token").type).toBe("password");
        expect(field("Daemon address").type).not.toBe("password");
        expect(field("Memories folder").value).toBe("memem/memories");
    });

    it("stores each value cleaned: the folder normalised (the default when empty), the rest trimmed", async () => {
        await type("Memories folder", " /notes//memories/ ");
        expect(plugin.settings.memoriesFolder).toBe("notes/memories");
        await type("Memories folder", "   ");
        expect(plugin.settings.memoriesFolder).toBe("memem/memories");
        await type("Daemon address", " http://127.0.0.1:7 ");
        await pause();
        await type("Daemon token", " secret ");
        await type("State folder", " /home/me/.memem ");
        expect(plugin.settings).toMatchObject({ daemonAddress: "http://127.0.0.1:7", daemonToken: "secret", memDir: "/home/me/.memem" });
    });

    it("shows why an address is refused in place of the hint, and the hint again once it is fixed", async () => {
        const hint = desc("Daemon address");
        await type("Daemon address", "http://192.168.1.9:80");
        expect(desc("Daemon address")).toBe("memem's daemon listens on loopback only (127.0.0.1 or localhost)");
        expect(plugin.settings.daemonAddress).toBe("");
        await type("Daemon address", "http://localhost:7");
        expect(desc("Daemon address")).toBe(hint);
        await pause();
        expect(plugin.settings.daemonAddress).toBe("http://localhost:7");
    });
});

describe("typing the daemon address", () => {
    beforeEach(() => {
        plugin.settings.daemonToken = "tok"; // with a token, a saved address is asked at once
    });

    it("asks nothing of the ports typed on the way: the address is saved, and probed, once typing pauses", async () => {
        sent.length = 0;
        for (const partial of ["http://127.0.0.1:5", "http://127.0.0.1:54", "http://127.0.0.1:543"]) key("Daemon address", partial);
        await tick();
        expect(plugin.settings.daemonAddress).toBe("");
        expect(sent).toEqual([]);
        await pause();
        expect(plugin.settings.daemonAddress).toBe("http://127.0.0.1:543");
        expect(app.loadLocalStorage("memem-daemonAddress")).toBe("http://127.0.0.1:543");
        expect(asked()).toEqual(["543"]);
        expect(sent[0].url).toBe("http://127.0.0.1:543/v1/health");
        expect(sent[0].headers).not.toHaveProperty("Authorization");
    });

    it("saves at once when the field is left", async () => {
        key("Daemon address", "http://127.0.0.1:8");
        field("Daemon address").dispatchEvent(new Event("blur"));
        await tick();
        expect(plugin.settings.daemonAddress).toBe("http://127.0.0.1:8");
        field("Daemon address").dispatchEvent(new Event("blur")); // nothing waiting: nothing saved again
        await pause();
        expect(asked()).toEqual(["8"]);
    });

    it("drops a save still waiting when the next value is refused", async () => {
        key("Daemon address", "http://127.0.0.1:5");
        key("Daemon address", "http://192.168.1.9:5");
        await pause();
        expect(plugin.settings.daemonAddress).toBe("");
        expect(desc("Daemon address")).toBe("memem's daemon listens on loopback only (127.0.0.1 or localhost)");
        expect(sent).toEqual([]);
    });

    it("waits for the pause when Obsidian 1.13's declared control sets it too", async () => {
        await tab.setControlValue("daemonAddress", "http://127.0.0.1:9");
        await tab.setControlValue("daemonAddress", "http://127.0.0.1:98");
        expect(plugin.settings.daemonAddress).toBe("");
        await pause();
        expect(plugin.settings.daemonAddress).toBe("http://127.0.0.1:98");
        expect(asked()).toEqual(["98"]);
    });

    it("saves the other fields as they are typed, leaving an address that waits to be saved alone", async () => {
        key("Daemon address", "http://127.0.0.1:9");
        await type("State folder", "/home/me/.memem");
        expect(app.loadLocalStorage("memem-memDir")).toBe("/home/me/.memem");
        await pause();
        expect(plugin.settings.daemonAddress).toBe("http://127.0.0.1:9");
    });
});

describe("declared settings (Obsidian 1.13)", () => {
    it("declares the text settings as controls and the token as a password field", () => {
        const defs = tab.getSettingDefinitions() as unknown as {
            name: string;
            desc: string;
            control?: { type: string; key: string; placeholder?: string; validate: (v: string) => string | undefined };
            render?: (setting: Setting) => void;
        }[];
        expect(defs.map((d) => d.name)).toEqual(["Memories folder", "Daemon address", "Daemon token", "State folder"]);
        expect(defs[0].desc).toBe("The folder, relative to the vault, where memem keeps one note per memory.");
        expect(defs[0].control).toMatchObject({ type: "text", key: "memoriesFolder", placeholder: "memem/memories" });
        expect(defs[1].control).toMatchObject({ type: "text", key: "daemonAddress", placeholder: "Found automatically" });
        expect(defs[3].control).toMatchObject({ type: "text", key: "memDir" });
        expect(defs[1].control!.validate("ftp://127.0.0.1")).toBe("The address must start with http://");
        expect(defs[1].control!.validate("http://127.0.0.1:7")).toBeUndefined();
        expect(defs[0].control!.validate("anything")).toBeUndefined();
        expect(defs[2].control).toBeUndefined();
        const host = createDiv();
        defs[2].render!(new Setting(host));
        const input = host.querySelector("input")!;
        expect(input.type).toBe("password");
        input.value = "typed";
        input.dispatchEvent(new Event("input"));
        expect(plugin.settings.daemonToken).toBe("typed");
    });

    it("reads and writes values by key, refusing unknown keys, non-text values and refused addresses", async () => {
        await tab.setControlValue("memDir", " /srv/memem ");
        expect(tab.getControlValue("memDir")).toBe("/srv/memem");
        await tab.setControlValue("daemonAddress", "http://10.0.0.2:7");
        await tab.setControlValue("daemonAddress", 7);
        await tab.setControlValue("statusSeconds", "3");
        expect(plugin.settings.daemonAddress).toBe("");
        expect(plugin.settings.statusSeconds).toBe(15);
        expect(await plugin.loadData()).not.toHaveProperty("daemonAddress");
    });
});
