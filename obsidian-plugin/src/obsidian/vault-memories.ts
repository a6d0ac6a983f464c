/**
 * The memories of this vault, read from Obsidian's metadata cache: always what is on disk, never a
 * private copy. One scan when the plugin starts (or the memories folder moves); after that the index
 * follows the metadata cache's `changed` and the vault's `delete` / `rename` events one note at a time,
 * and the first paragraph of each note is taken from the text those events carry.
 */

import { type App, type CachedMetadata, type EventRef, type TAbstractFile, TFile } from "obsidian";
import type { Linktext } from "../memory/curation";
import { memoryFromFrontmatter, type Memory, teamOf } from "../memory/memory";
import { MemoryIndex } from "../memory/memory-index";
import type { MemorySet } from "../memory/memory-set";
import { isProposalPath, type Proposal, proposalFromFrontmatter } from "../memory/proposals";
import { clip, snippet } from "../memory/snippet";

/** The longest first paragraph a pane shows (a contradiction's side): what is kept per note. */
const LONGEST = 400;

export function inFolder(path: string, folder: string): boolean {
    return path.startsWith(`${folder}/`) && path.toLowerCase().endsWith(".md");
}

/** A note the daemon indexes: under the memories folder, or a team vault's note (`memem/teams/<team>/memories`). */
export function isMemoryPath(path: string, folder: string): boolean {
    return inFolder(path, folder) || teamOf(path) !== undefined;
}

/** How often the vault was scanned and notes were read: the benchmark and the tests hold these at zero. */
export interface VaultCounters {
    scans: number;
    reads: number;
}

export class VaultMemories {
    readonly index: MemoryIndex;
    readonly counters: VaultCounters = { scans: 0, reads: 0 };
    private readonly snippets = new Map<string, { mtime: number; text: string }>();
    /** Consolidation's open proposals (`memem/proposals/`), kept beside the memories from the same events. */
    private readonly proposalsByPath = new Map<string, Proposal>();
    private refs: EventRef[] = [];

    constructor(
        private readonly app: App,
        private readonly folder: () => string,
    ) {
        this.index = new MemoryIndex((linkpath, source) => app.metadataCache.getFirstLinkpathDest(linkpath, source)?.path ?? null);
    }

    /** Subscribe to Obsidian's events; the caller registers the refs so they go when the plugin unloads. */
    watch(): EventRef[] {
        const { metadataCache, vault } = this.app;
        this.refs = [
            metadataCache.on("changed", (file, data, cache) => this.onChanged(file, data, cache)),
            vault.on("delete", (file) => this.onDeleted(file)),
            vault.on("rename", (file, oldPath) => this.onRenamed(file, oldPath)),
        ];
        return this.refs;
    }

    /** Read every memory once from the cache: at start, and when the memories folder setting changes. */
    rebuild(): void {
        this.counters.scans += 1;
        this.snippets.clear();
        const memories: Memory[] = [];
        this.proposalsByPath.clear();
        for (const file of this.app.vault.getMarkdownFiles()) {
            const memory = this.memoryOf(file);
            if (memory) memories.push(memory);
            else this.trackProposal(file.path, this.app.metadataCache.getFileCache(file));
        }
        this.index.reset(memories);
    }

    /** The open proposals, oldest file first (by name: the keys sort stably). */
    proposals(): Proposal[] {
        return [...this.proposalsByPath.values()].sort((a, b) => a.path.localeCompare(b.path));
    }

    /** Keep a proposal note's state; true when what a pane would show changed. */
    private trackProposal(path: string, cache: CachedMetadata | null | undefined): boolean {
        if (!isProposalPath(path)) return false;
        const proposal = proposalFromFrontmatter(path, cache?.frontmatter);
        const had = this.proposalsByPath.has(path);
        if (proposal) this.proposalsByPath.set(path, proposal);
        else this.proposalsByPath.delete(path);
        return had || proposal !== null;
    }

    memories(): MemorySet {
        return this.index.snapshot();
    }

    memoryAt(path: string): Memory | undefined {
        return this.index.get(path);
    }

    /** A note's first paragraph: from the last change event's text, else one cached read per note version. */
    async snippet(memory: Memory, max = 160): Promise<string> {
        const file = this.app.vault.getFileByPath(memory.path);
        if (!file) return "";
        let known = this.snippets.get(memory.path);
        if (known?.mtime !== file.stat.mtime) {
            this.counters.reads += 1;
            known = { mtime: file.stat.mtime, text: snippet(await this.app.vault.cachedRead(file), LONGEST) };
            this.snippets.set(memory.path, known);
        }
        return clip(known.text, max);
    }

    private memoryOf(file: TFile, cache?: CachedMetadata | null): Memory | null {
        if (!isMemoryPath(file.path, this.folder())) return null;
        const fm = (cache === undefined ? this.app.metadataCache.getFileCache(file) : cache)?.frontmatter;
        return memoryFromFrontmatter(file.path, fm, file.stat.mtime);
    }

    private onChanged(file: TFile, data: string, cache: CachedMetadata): void {
        if (this.trackProposal(file.path, cache)) this.index.touch([file.path]);
        if (!isMemoryPath(file.path, this.folder())) return;
        const text = snippet(data, LONGEST);
        // Only a first paragraph some pane has asked for can be out of date on screen.
        const known = this.snippets.get(file.path);
        const bodyChanged = known !== undefined && known.text !== text;
        this.snippets.set(file.path, { mtime: file.stat.mtime, text });
        this.index.put(file.path, this.memoryOf(file, cache), bodyChanged);
    }

    private onDeleted(file: TAbstractFile): void {
        if (this.proposalsByPath.delete(file.path)) this.index.touch([file.path]);
        this.snippets.delete(file.path);
        this.index.delete(file.path);
    }

    private onRenamed(file: TAbstractFile, oldPath: string): void {
        const wasProposal = this.proposalsByPath.delete(oldPath);
        const isProposal = file instanceof TFile && this.trackProposal(file.path, this.app.metadataCache.getFileCache(file));
        if (wasProposal || isProposal) this.index.touch([oldPath, file.path]);
        const known = this.snippets.get(oldPath);
        this.snippets.delete(oldPath);
        if (known) this.snippets.set(file.path, known);
        const memory = file instanceof TFile ? this.memoryOf(file) : null;
        if (this.index.get(oldPath) || memory) this.index.rename(oldPath, file.path, memory);
    }
}

/** The shortest link text that reaches `target` from `sourcePath`, as Obsidian itself would write it. */
export function obsidianLinktext(app: App): Linktext {
    return (target, sourcePath) => {
        const file = app.vault.getAbstractFileByPath(target.path);
        return file instanceof TFile ? app.metadataCache.fileToLinktext(file, sourcePath, true) : target.name;
    };
}

export function fileOf(app: App, path: string): TFile {
    const file = app.vault.getAbstractFileByPath(path);
    if (!(file instanceof TFile)) throw new Error(`${path} was moved or deleted; nothing was changed`);
    return file;
}
