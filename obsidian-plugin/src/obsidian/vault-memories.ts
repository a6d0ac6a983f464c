/** Memories read from Obsidian's metadata cache: always what is on disk, never a private copy. */

import { type App, TFile } from "obsidian";
import type { Linktext } from "../memory/curation";
import { memoryFromFrontmatter, type Memory } from "../memory/memory";
import { MemorySet } from "../memory/memory-set";

export function inFolder(path: string, folder: string): boolean {
    return path.startsWith(`${folder}/`) && path.toLowerCase().endsWith(".md");
}

export function loadMemories(app: App, folder: string): MemorySet {
    const memories: Memory[] = [];
    for (const file of app.vault.getMarkdownFiles()) {
        if (!inFolder(file.path, folder)) continue;
        const memory = memoryFromFrontmatter(file.path, app.metadataCache.getFileCache(file)?.frontmatter, file.stat.mtime);
        if (memory) memories.push(memory);
    }
    return new MemorySet(memories, (linkpath, source) => app.metadataCache.getFirstLinkpathDest(linkpath, source)?.path ?? null);
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
