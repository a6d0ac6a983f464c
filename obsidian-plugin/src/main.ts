/**
 * memem for Obsidian: the person's side of the memories Claude keeps in this vault. This file only
 * wires things together; the curation rules live in `memory/`, the daemon client in `daemon/`, and
 * everything that touches Obsidian's API in `obsidian/`.
 */

import { type FileSystemAdapter, Notice, Plugin, type TAbstractFile, TFile, type WorkspaceLeaf } from "obsidian";
import { DaemonClient, OutcomeUnknown, proposalNotice } from "./daemon/client";
import type { DiscoveryOptions } from "./daemon/discovery";
import { DaemonLocator } from "./daemon/locate";
import { type Memory, TEAMS_FOLDER } from "./memory/memory";
import type { UndoEntry } from "./memory/undo";
import { MemoryActions } from "./obsidian/actions";
import type { MememContext } from "./obsidian/context";
import { CONTRADICTIONS_VIEW, ContradictionsView } from "./obsidian/contradictions-view";
import { DeviceStore } from "./obsidian/device-store";
import { showError } from "./obsidian/memory-view";
import { type DesktopAccess, desktopAccess, obsidianTransport } from "./obsidian/platform";
import { RELATED_VIEW, RelatedView } from "./obsidian/related-view";
import { REVIEW_VIEW, ReviewView } from "./obsidian/review-view";
import { MememSettingTab } from "./obsidian/settings-tab";
import { StatusBar } from "./obsidian/status-bar";
import { SuccessorModal } from "./obsidian/successor-modal";
import { VaultMemories } from "./obsidian/vault-memories";
import { DEVICE_KEYS, mergeSettings, type MememSettings, splitSettings } from "./settings";

export default class MememPlugin extends Plugin {
    settings!: MememSettings;
    actions!: MemoryActions;
    daemon!: DaemonClient;
    device!: DeviceStore;
    private memories!: VaultMemories;
    private desktop: DesktopAccess | null = null;
    /** Where the daemon is; forgotten whenever the settings are saved, so a new address or token counts at once. */
    private locator?: DaemonLocator;
    private status?: StatusBar;

    async onload(): Promise<void> {
        this.device = new DeviceStore(this.app);
        await this.loadSettings();
        this.desktop = await desktopAccess();
        this.memories = new VaultMemories(this.app, () => this.settings.memoriesFolder);
        for (const ref of this.memories.watch()) this.registerEvent(ref);
        this.actions = new MemoryActions(this.app, this.memories, () => this.settings.memoriesFolder, (entry) => void this.logForUndo(entry));
        const locator = new DaemonLocator(() => this.discovery(), this.desktop?.files ?? null, obsidianTransport);
        this.locator = locator;
        this.daemon = new DaemonClient(() => locator.endpoint(), obsidianTransport, () => locator.forget());
        const ctx: MememContext = {
            app: this.app,
            actions: this.actions,
            daemon: this.daemon,
            settings: () => this.settings,
            deprecateWithPrompt: (path) => this.deprecateWithPrompt(path),
        };
        this.registerView(REVIEW_VIEW, (leaf) => new ReviewView(leaf, ctx));
        this.registerView(CONTRADICTIONS_VIEW, (leaf) => new ContradictionsView(leaf, ctx));
        this.registerView(RELATED_VIEW, (leaf) => new RelatedView(leaf, ctx));
        // Titles in the panes are internal links: Page preview shows them on hover, as it does in notes.
        for (const [id, display] of [[REVIEW_VIEW, "memem review"], [CONTRADICTIONS_VIEW, "memem contradictions"], [RELATED_VIEW, "memem related"]]) {
            this.registerHoverLinkSource(id, { display, defaultMod: true });
        }

        this.addRibbonIcon("inbox", "memem: review memories", () => void this.openView(REVIEW_VIEW));
        this.addCommand({ id: "open-review", name: "Review new memories", callback: () => void this.openView(REVIEW_VIEW) });
        this.addCommand({
            id: "open-contradictions",
            name: "Resolve contradicting memories",
            callback: () => void this.openView(CONTRADICTIONS_VIEW),
        });
        this.addCommand({ id: "open-related", name: "Show related memories", callback: () => void this.openView(RELATED_VIEW) });
        this.addCommand({
            id: "deprecate",
            name: "Deprecate this memory…",
            // An already deprecated memory is not offered (as in the file menu and the panes).
            checkCallback: (checking) =>
                this.onActiveMemory(checking, (path) => this.attempt(() => this.deprecateWithPrompt(path)), (memory) => memory.status !== "deprecated"),
        });
        this.addCommand({
            id: "approve",
            name: "Approve this memory",
            checkCallback: (checking) =>
                this.onActiveMemory(checking, (path) => {
                    const memory = this.actions.memoryAt(path);
                    if (memory) this.attempt(() => this.actions.approve(memory));
                }),
        });
        this.addCommand({ id: "undo", name: "Undo the last memory action", callback: () => this.attempt(() => this.actions.undo()) });
        this.addCommand({
            id: "propose",
            name: "Propose this memory to the team",
            checkCallback: (checking) => this.onActiveMemory(checking, (path) => void this.proposeToTeam(path)),
        });
        this.registerEvent(
            this.app.workspace.on("file-menu", (menu, file: TAbstractFile) => {
                const memory = file instanceof TFile ? this.actions.memoryAt(file.path) : undefined;
                if (!memory || memory.status === "deprecated") return;
                menu.addItem((item) =>
                    item
                        .setTitle("Deprecate memory…")
                        .setIcon("archive")
                        .onClick(() => this.attempt(() => this.deprecateWithPrompt(memory.path))),
                );
                if (!this.app.vault.getAbstractFileByPath(TEAMS_FOLDER)) return; // no team vault here: nothing to propose to
                menu.addItem((item) =>
                    item
                        .setTitle("Propose to the team")
                        .setIcon("users")
                        .onClick(() => void this.proposeToTeam(memory.path)),
                );
            }),
        );

        const statusEl = this.addStatusBarItem();
        statusEl.addClass("memem-status");
        statusEl.setText("memem: …");
        const status = new StatusBar(statusEl, this.daemon);
        this.status = status;
        this.app.workspace.onLayoutReady(() => {
            this.memories.rebuild();
            void this.refreshStatus();
        });
        this.registerInterval(window.setInterval(() => void status.tick(), this.settings.statusSeconds * 1000));
        this.addSettingTab(new MememSettingTab(this.app, this));
    }

    /**
     * Synced settings from data.json, this device's from its own store. Device keys found in data.json
     * (an older version kept them there) are dropped from it; only a token is moved into this device's
     * store. Why not the address and state folder: data.json syncs with the vault, so a vault that
     * arrives with a crafted one would choose where this device sends its token.
     */
    private async loadSettings(): Promise<void> {
        const saved = { ...((await this.loadData()) ?? {}) } as Record<string, unknown>;
        const device = this.device.load();
        const strays = DEVICE_KEYS.filter((key) => key in saved);
        if (!device.daemonToken && typeof saved.daemonToken === "string") device.daemonToken = saved.daemonToken;
        for (const key of strays) delete saved[key];
        this.settings = mergeSettings({ ...saved, ...device });
        if (strays.length) await this.saveSettings();
    }

    async saveSettings(): Promise<void> {
        const before = this.memories ? this.settings.memoriesFolder : undefined;
        const { synced, device } = splitSettings(this.settings);
        this.device.save(device);
        await this.saveData(synced);
        this.locator?.forget(); // a new address, token or state folder is used from the next request on
        void this.refreshStatus();
        if (before !== undefined && this.app.workspace.layoutReady) this.memories.rebuild();
    }

    async refreshStatus(): Promise<void> {
        await this.status?.refresh();
    }

    /**
     * Hand a review action to memem's event log, so `memem undo` reverts it like any other edit. The
     * action stands whatever the answer. Trigger for the notice: the daemon refused the entry (a note's
     * text it will not keep, a path it does not take) or did not answer. Why tell: `memem undo` would
     * then undo an earlier change instead of this one, and nothing else would say so.
     */
    private async logForUndo(entry: UndoEntry): Promise<void> {
        try {
            await this.daemon.logEdits(entry);
        } catch (error) {
            new Notice(notLogged(entry.summary, error), 15_000);
        }
    }

    /** Run an action from the command palette or a menu: a failure is a notice, as in the panes. */
    private attempt(action: () => Promise<unknown>): void {
        action().catch(showError);
    }

    /** Ask for a successor (or none) and deprecate; true once deprecated, false when the person cancelled. */
    async deprecateWithPrompt(path: string): Promise<boolean> {
        const memories = this.actions.memories();
        const memory = memories.byPath(path);
        if (!memory) return false;
        const candidates = memories.active().sort((a, b) => a.title.localeCompare(b.title));
        const choice = await new SuccessorModal(this.app, memory, candidates).prompt();
        if (!choice) return false;
        await this.actions.deprecate(memory, choice.successor);
        return true;
    }

    /** Hand a memory to the daemon's `team_propose`: screened, committed to a new branch of the team
     *  repository and pushed for review. A team note goes to its own team (its edit is what is proposed). */
    async proposeToTeam(path: string): Promise<void> {
        const memory = this.actions.memoryAt(path);
        if (!memory) return;
        try {
            new Notice(proposalNotice(await this.daemon.propose([memory.id], memory.team)), 10_000);
        } catch (error) {
            new Notice(error instanceof Error ? error.message : String(error), 10_000);
        }
    }

    async openView(type: string): Promise<WorkspaceLeaf | null> {
        const { workspace } = this.app;
        let leaf: WorkspaceLeaf | null = workspace.getLeavesOfType(type)[0] ?? null;
        if (!leaf) {
            leaf = workspace.getRightLeaf(false);
            await leaf?.setViewState({ type, active: true });
        }
        if (leaf) await workspace.revealLeaf(leaf);
        return leaf;
    }

    /** A command on the open note: offered when it is a memory (and `offered` says the command fits it). */
    private onActiveMemory(checking: boolean, run: (path: string) => void, offered: (memory: Memory) => boolean = () => true): boolean {
        const file = this.app.workspace.getActiveFile();
        const memory = file ? this.actions.memoryAt(file.path) : undefined;
        if (!file || !memory || !offered(memory)) return false;
        if (!checking) run(file.path);
        return true;
    }

    private discovery(): DiscoveryOptions | null {
        // Duck-typed: on mobile there is no FileSystemAdapter class to test against.
        const adapter = this.app.vault.adapter as Partial<FileSystemAdapter>;
        const vaultPath = typeof adapter.getBasePath === "function" ? adapter.getBasePath() : "";
        const memDir = this.settings.memDir || this.desktop?.defaultMemDir || "";
        if (!memDir && !(this.settings.daemonAddress && this.settings.daemonToken)) return null;
        return { memDir, vaultPath, address: this.settings.daemonAddress, token: this.settings.daemonToken };
    }
}

/** What a person is told when a review action did not reach memem's history: done in the vault, not
 *  undoable by `memem undo`, and why (the daemon's own words). */
export function notLogged(summary: string, error: unknown): string {
    if (error instanceof OutcomeUnknown) {
        return (
            `memem: ${summary} in the vault; memem's daemon did not answer in time, so its history may or may not hold it. ` +
            "Check `memem history` before `memem undo`: that undoes the newest change the history holds."
        );
    }
    const why = (error instanceof Error ? error.message : String(error)).replace(/^memem: /, "");
    return (
        `memem: ${summary} in the vault, but memem's history did not record it (${why}), so \`memem undo\` will not ` +
        "undo it (it would undo an earlier change). The Undo button or “Undo the last memory action” here still can."
    );
}
