/**
 * Settings: where memories live and how to reach the daemon (discovered by default). One table of
 * settings feeds both Obsidian 1.13's declarative definitions (searchable in Settings) and the classic
 * `display()` older versions call. The token is drawn as a password field and lives on this device.
 */

import { type App, debounce, type Plugin, PluginSettingTab, Setting, type SettingDefinitionItem } from "obsidian";
import { checkAddress, DEFAULT_SETTINGS, type MememSettings, normalizeFolder } from "../settings";

export interface SettingsHost extends Plugin {
    settings: MememSettings;
    device: { tokenHome(): string };
    saveSettings(): Promise<void>;
}

type TextKey = "memoriesFolder" | "daemonAddress" | "daemonToken" | "memDir";

/** How long typing in the daemon address must pause before it is saved. Saving points the plugin at the
 *  address (it asks there for the daemon's health, then sends the token), and each port typed on the way
 *  to the right one (`:5`, `:54`, `:543`) is some other program's. */
export const ADDRESS_PAUSE_MS = 1000;

interface TextSetting {
    key: TextKey;
    name: string;
    desc: string;
    placeholder?: string;
    secret?: boolean;
    /** A reason to refuse the value, or nothing. */
    validate?: (value: string) => string | null;
    /** The value as stored. */
    clean: (value: string) => string;
    /** Saved once typing pauses or the field loses focus, not on every key. */
    whenSettled?: boolean;
}

export class MememSettingTab extends PluginSettingTab {
    /** The last value typed into a `whenSettled` field, saved once typing pauses. */
    private readonly saveSettled = debounce((setting: TextSetting, value: string) => void this.save(setting, value), ADDRESS_PAUSE_MS, true);

    constructor(
        app: App,
        private readonly host: SettingsHost,
    ) {
        super(app, host);
    }

    private table(): TextSetting[] {
        return [
            {
                key: "memoriesFolder",
                name: "Memories folder",
                desc: "The folder, relative to the vault, where memem keeps one note per memory.",
                placeholder: DEFAULT_SETTINGS.memoriesFolder,
                clean: (value) => normalizeFolder(value) || DEFAULT_SETTINGS.memoriesFolder,
            },
            {
                key: "daemonAddress",
                name: "Daemon address",
                desc: "Leave empty to find the daemon serving this vault automatically (desktop); its port changes on every start.",
                placeholder: "Found automatically",
                validate: checkAddress,
                clean: (value) => value.trim(),
                whenSettled: true,
            },
            {
                key: "daemonToken",
                name: "Daemon token",
                desc: `Leave empty to read memem's per-install token from its state folder. Kept in ${this.host.device.tokenHome()}, never in the synced plugin data.`,
                secret: true,
                clean: (value) => value.trim(),
            },
            {
                key: "memDir",
                name: "State folder",
                desc: "Where memem keeps its token and indexes on this device. Empty means the default, ~/.memem.",
                clean: (value) => value.trim(),
            },
        ];
    }

    /** Obsidian 1.13+: the same settings, declared, so Settings search finds them. */
    getSettingDefinitions(): SettingDefinitionItem[] {
        return this.table().map((s) =>
            s.secret
                ? { name: s.name, desc: s.desc, render: (setting: Setting) => this.secretField(setting, s) }
                : {
                      name: s.name,
                      desc: s.desc,
                      control: {
                          type: "text" as const,
                          key: s.key,
                          placeholder: s.placeholder,
                          validate: (value: string) => s.validate?.(value) ?? undefined,
                      },
                  },
        );
    }

    getControlValue(key: string): unknown {
        return this.host.settings[key as TextKey];
    }

    /** Obsidian 1.13 calls this on each change of a declared control; the classic page does too. */
    async setControlValue(key: string, value: unknown): Promise<void> {
        const setting = this.table().find((s) => s.key === key);
        if (!setting || typeof value !== "string") return;
        if (setting.whenSettled) this.saveSettled.cancel(); // a refused value also drops one still waiting
        if (setting.validate?.(value)) return;
        if (setting.whenSettled) this.saveSettled(setting, value);
        else await this.save(setting, value);
    }

    private async save(setting: TextSetting, value: string): Promise<void> {
        this.host.settings[setting.key] = setting.clean(value);
        await this.host.saveSettings();
    }

    display(): void {
        const { containerEl } = this;
        containerEl.empty();
        for (const s of this.table()) {
            const setting = new Setting(containerEl).setName(s.name).setDesc(s.desc);
            if (s.secret) this.secretField(setting, s);
            else this.textField(setting, s);
        }
    }

    private textField(setting: Setting, s: TextSetting): void {
        setting.addText((text) => {
            text.setPlaceholder(s.placeholder ?? "")
                .setValue(this.host.settings[s.key])
                .onChange(async (value) => {
                    setting.setDesc(s.validate?.(value) ?? s.desc);
                    await this.setControlValue(s.key, value);
                });
            // Leaving the field is the person saying they are done: no need to wait out the pause.
            if (s.whenSettled) text.inputEl.addEventListener("blur", () => this.saveSettled.run());
        });
    }

    private secretField(setting: Setting, s: TextSetting): void {
        setting.addText((text) => {
            text.inputEl.type = "password";
            text.setValue(this.host.settings[s.key]).onChange((value) => this.setControlValue(s.key, value));
        });
    }
}
