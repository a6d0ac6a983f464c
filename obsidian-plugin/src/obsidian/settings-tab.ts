/** Settings: where memories live and how to reach the daemon (discovered by default). */

import { type App, type Plugin, PluginSettingTab, Setting } from "obsidian";
import { checkAddress, DEFAULT_SETTINGS, type MememSettings, normalizeFolder } from "../settings";

export interface SettingsHost extends Plugin {
    settings: MememSettings;
    saveSettings(): Promise<void>;
}

export class MememSettingTab extends PluginSettingTab {
    constructor(
        app: App,
        private readonly host: SettingsHost,
    ) {
        super(app, host);
    }

    display(): void {
        const { containerEl } = this;
        const settings = this.host.settings;
        containerEl.empty();
        new Setting(containerEl)
            .setName("Memories folder")
            .setDesc("The folder, relative to the vault, where memem keeps one note per memory.")
            .addText((text) =>
                text
                    .setPlaceholder(DEFAULT_SETTINGS.memoriesFolder)
                    .setValue(settings.memoriesFolder)
                    .onChange(async (value) => {
                        settings.memoriesFolder = normalizeFolder(value) || DEFAULT_SETTINGS.memoriesFolder;
                        await this.host.saveSettings();
                    }),
            );
        const address = new Setting(containerEl)
            .setName("Daemon address")
            .setDesc("Leave empty to find the daemon serving this vault automatically (desktop).");
        address.addText((text) =>
            text
                .setPlaceholder("http://127.0.0.1:8765")
                .setValue(settings.daemonAddress)
                .onChange(async (value) => {
                    const problem = checkAddress(value);
                    address.setDesc(problem ?? "Used instead of discovery.");
                    if (problem) return;
                    settings.daemonAddress = value.trim();
                    await this.host.saveSettings();
                }),
        );
        new Setting(containerEl)
            .setName("Daemon token")
            .setDesc("Leave empty to read memem's per-install token from its state folder.")
            .addText((text) => {
                text.inputEl.type = "password";
                text.setValue(settings.daemonToken).onChange(async (value) => {
                    settings.daemonToken = value.trim();
                    await this.host.saveSettings();
                });
            });
        new Setting(containerEl)
            .setName("memem state folder")
            .setDesc("Where memem keeps its token and indexes (MEMEM_DIR). Empty means ~/.memem.")
            .addText((text) =>
                text.setValue(settings.memDir).onChange(async (value) => {
                    settings.memDir = value.trim();
                    await this.host.saveSettings();
                }),
            );
    }
}
