/** On mobile: no Node modules, no file system adapter, no daemon; every editing flow still works. */

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import MememPlugin from "../../src/main";
import { desktopAccess } from "../../src/obsidian/platform";
import { REVIEW_VIEW } from "../../src/obsidian/review-view";
import { App, memoryStorage, Platform } from "../shim/obsidian";
import { frontmatterOf, MINED_PAIR, templateFiles } from "../fixtures";

const NEWER = "memem/memories/Tests run without -x.md";
const desktop = { ...Platform };

beforeEach(() => Object.assign(Platform, { isDesktop: false, isDesktopApp: false, isMobile: true, isMobileApp: true }));
afterEach(() => Object.assign(Platform, desktop));

describe("on mobile", () => {
    it("loads no Node module", async () => {
        expect(await desktopAccess()).toBeNull();
    });

    it("reviews, deprecates and undoes without a daemon, and says the daemon is off", async () => {
        const storage = memoryStorage({ ...templateFiles(), ...MINED_PAIR });
        const app = new App(storage);
        app.vault.adapter = {}; // mobile's adapter has no base path
        await app.vault.load();
        const plugin = new MememPlugin(app as never, { id: "memem", version: "0.2.0" } as never);
        await plugin.onload();
        const leaf = (await plugin.openView(REVIEW_VIEW)) as unknown as { view: { containerEl: HTMLElement } };
        await new Promise((r) => setTimeout(r, 30));
        leaf.view.containerEl.querySelector<HTMLButtonElement>(".memem-card button.mod-cta")!.click();
        await new Promise((r) => setTimeout(r, 30));
        expect(frontmatterOf(storage.files[NEWER]).reviewed).toBeTruthy();
        await plugin.refreshStatus();
        expect(app.statusBarEl.textContent).toBe("memem: daemon off");
        expect(await plugin.actions.undo()).toBe(true);
        expect(frontmatterOf(storage.files[NEWER]).reviewed).toBeUndefined();
    });
});
