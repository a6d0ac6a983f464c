/**
 * memem for Obsidian: the person's side of the memories Claude keeps in this vault. This file only
 * wires things together; the curation rules live in `memory/`, the daemon client in `daemon/`, and
 * everything that touches Obsidian's API in `obsidian/`.
 */

import { type FileSystemAdapter, Plugin, type TAbstractFile, TFile, type WorkspaceLeaf } from "obsidian";
import { DaemonClient, type Endpoint } from "./daemon/client";
import { discoverDaemon } from "./daemon/discovery";
import { MemoryActions } from "./obsidian/actions";
import type { MememContext } from "./obsidian/context";
import { CONTRADICTIONS_VIEW, ContradictionsView } from "./obsidian/contradictions-view";
import { defaultMemDir, nodeFiles, obsidianTransport } from "./obsidian/platform";
import { RELATED_VIEW, RelatedView } from "./obsidian/related-view";
import { REVIEW_VIEW, ReviewView } from "./obsidian/review-view";
import { MememSettingTab } from "./obsidian/settings-tab";
import { refreshStatus } from "./obsidian/status-bar";
import { SuccessorModal } from "./obsidian/successor-modal";
import { mergeSettings, type MememSettings } from "./settings";

export default class MememPlugin extends Plugin {
    settings!: MememSettings;
    actions!: MemoryActions;
    daemon!: DaemonClient;
    private statusEl?: HTMLElement;

    async onload(): Promise<void> {
        this.settings = mergeSettings(await this.loadData());
        this.actions = new MemoryActions(this.app, () => this.settings.memoriesFolder);
        this.daemon = new DaemonClient(() => this.endpoint(), obsidianTransport);
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
            checkCallback: (checking) => this.onActiveMemory(checking, (path) => this.deprecateWithPrompt(path)),
        });
        this.addCommand({
            id: "approve",
            name: "Approve this memory",
            checkCallback: (checking) =>
                this.onActiveMemory(checking, (path) => {
                    const memory = this.actions.memoryAt(path);
                    if (memory) void this.actions.approve(memory);
                }),
        });
        this.registerEvent(
            this.app.workspace.on("file-menu", (menu, file: TAbstractFile) => {
                const memory = file instanceof TFile ? this.actions.memoryAt(file.path) : undefined;
                if (!memory || memory.status === "deprecated") return;
                menu.addItem((item) =>
                    item
                        .setTitle("Deprecate memory…")
                        .setIcon("archive")
                        .onClick(() => this.deprecateWithPrompt(memory.path)),
                );
            }),
        );

        this.statusEl = this.addStatusBarItem();
        this.statusEl.addClass("memem-status");
        this.statusEl.setText("memem: …");
        this.app.workspace.onLayoutReady(() => void this.refreshStatus());
        this.registerInterval(window.setInterval(() => void this.refreshStatus(), this.settings.statusSeconds * 1000));
        this.addSettingTab(new MememSettingTab(this.app, this));
    }

    async saveSettings(): Promise<void> {
        await this.saveData(this.settings);
        void this.refreshStatus();
    }

    async refreshStatus(): Promise<void> {
        if (this.statusEl) await refreshStatus(this.statusEl, this.daemon);
    }

    deprecateWithPrompt(path: string): void {
        const memories = this.actions.memories();
        const memory = memories.byPath(path);
        if (!memory) return;
        const candidates = memories.active().sort((a, b) => a.title.localeCompare(b.title));
        new SuccessorModal(this.app, memory, candidates, (successor) => void this.actions.deprecate(memory, successor)).open();
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

    private onActiveMemory(checking: boolean, run: (path: string) => void): boolean {
        const file = this.app.workspace.getActiveFile();
        const memory = file ? this.actions.memoryAt(file.path) : undefined;
        if (!file || !memory) return false;
        if (!checking) run(file.path);
        return true;
    }

    private async endpoint(): Promise<Endpoint | null> {
        const memDir = this.settings.memDir || defaultMemDir();
        // Duck-typed: on mobile there is no FileSystemAdapter class to test against.
        const adapter = this.app.vault.adapter as Partial<FileSystemAdapter>;
        const vaultPath = typeof adapter.getBasePath === "function" ? adapter.getBasePath() : null;
        const files = nodeFiles();
        if (this.settings.daemonAddress && this.settings.daemonToken) {
            return { url: this.settings.daemonAddress, token: this.settings.daemonToken };
        }
        if (!memDir || !vaultPath || !files) return null;
        return discoverDaemon(
            { memDir, vaultPath, address: this.settings.daemonAddress, token: this.settings.daemonToken },
            files,
        );
    }
}
