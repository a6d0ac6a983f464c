/**
 * The curation actions, executed against the vault. Every frontmatter change goes through
 * `fileManager.processFrontMatter` (Obsidian keeps its YAML style; the daemon picks the edit up like any
 * other), a rejected note goes to Obsidian's trash, a merged note is created whole in one write.
 */

import { type App, Notice, stringifyYaml, type TFile } from "obsidian";
import { Curator, type Plan } from "../memory/curation";
import { type Memory, today } from "../memory/memory";
import type { MemorySet } from "../memory/memory-set";
import { noteStem, numbered } from "../memory/names";
import { fileOf, loadMemories, obsidianLinktext } from "./vault-memories";

export class MemoryActions {
    constructor(
        private readonly app: App,
        private readonly folder: () => string,
    ) {}

    memories(): MemorySet {
        return loadMemories(this.app, this.folder());
    }

    memoryAt(path: string): Memory | undefined {
        return this.memories().byPath(path);
    }

    async approve(memory: Memory): Promise<void> {
        await this.run(this.curator().approve(memory));
    }

    async deprecate(memory: Memory, successor?: Memory): Promise<void> {
        await this.run(this.curator().deprecate(memory, successor));
    }

    /** Into Obsidian's trash (system or `.trash/`, as the person set it up): recoverable, out of recall. */
    async reject(memory: Memory): Promise<void> {
        await this.app.fileManager.trashFile(fileOf(this.app, memory.path));
        new Notice(`memem: moved “${memory.title}” to the trash`);
    }

    async keep(winner: Memory, loser: Memory): Promise<void> {
        await this.run(this.curator().keep(winner, loser));
    }

    async keepBoth(a: Memory, b: Memory): Promise<void> {
        await this.run(this.curator().keepBoth(a, b));
    }

    /** Returns the new note so the caller can open it for editing. */
    async merge(a: Memory, b: Memory): Promise<TFile | undefined> {
        const bodies = {
            a: await this.app.vault.read(fileOf(this.app, a.path)),
            b: await this.app.vault.read(fileOf(this.app, b.path)),
        };
        return this.run(this.curator().merge(a, b, bodies, newId(), this.folder()));
    }

    async open(memory: Memory): Promise<void> {
        await this.app.workspace.getLeaf(false).openFile(fileOf(this.app, memory.path));
    }

    private curator(): Curator {
        return new Curator(this.memories(), today(), obsidianLinktext(this.app));
    }

    /** The new note first (so its links resolve), then each edit; files are looked up before any write. */
    private async run(plan: Plan): Promise<TFile | undefined> {
        const targets = plan.edits.map((edit) => ({ edit, file: fileOf(this.app, edit.path) }));
        let created: TFile | undefined;
        if (plan.create) {
            const { folder, title, frontmatter, body } = plan.create;
            const stem = noteStem(title);
            let path = `${folder}/${stem}.md`;
            for (let n = 2; this.app.vault.getAbstractFileByPath(path); n++) path = `${folder}/${numbered(stem, n)}.md`;
            created = await this.app.vault.create(path, `---\n${stringifyYaml(frontmatter)}---\n\n${body}`);
        }
        for (const { edit, file } of targets) await this.app.fileManager.processFrontMatter(file, edit.apply);
        new Notice(`memem: ${plan.summary}`);
        return created;
    }
}

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** An id in memem's own format: `mem-YYYYMMDD-xxxxxx`. */
export function newId(now: Date = new Date()): string {
    const random = crypto.getRandomValues(new Uint8Array(6));
    const suffix = [...random].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join("");
    return `mem-${today(now).replace(/-/g, "")}-${suffix}`;
}
