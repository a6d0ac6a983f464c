/**
 * The curation actions, executed against the vault. Every frontmatter change goes through
 * `fileManager.processFrontMatter` (Obsidian keeps its YAML style; the daemon picks the edit up like any
 * other), a rejected note goes to Obsidian's trash, a merged note is created whole in one write, and
 * each action can be undone once as long as nobody touched its files since.
 */

import { type App, Notice, parseYaml, stringifyYaml, type TFile } from "obsidian";
import { Curator, type Plan, splitNote } from "../memory/curation";
import type { Frontmatter } from "../memory/links";
import { type Memory, today } from "../memory/memory";
import type { MemorySet } from "../memory/memory-set";
import { noteStem, numbered } from "../memory/names";
import { type TextFiles, type Touched, type UndoEntry, UndoJournal } from "../memory/undo";
import { fileOf, obsidianLinktext, type VaultMemories } from "./vault-memories";

export class MemoryActions {
    readonly journal = new UndoJournal();

    constructor(
        private readonly app: App,
        readonly vault: VaultMemories,
        private readonly folder: () => string,
        /** Told of every action recorded (the plugin sends it to memem's event log, for `memem undo`). */
        private readonly recorded: (entry: UndoEntry) => void = () => undefined,
    ) {}

    memories(): MemorySet {
        return this.vault.memories();
    }

    memoryAt(path: string): Memory | undefined {
        return this.vault.memoryAt(path);
    }

    async approve(memory: Memory): Promise<void> {
        await this.run(this.curator().approve(memory));
    }

    async deprecate(memory: Memory, successor?: Memory): Promise<void> {
        await this.run(this.curator().deprecate(memory, successor));
    }

    /** Into Obsidian's trash (system or `.trash/`, as the person set it up): recoverable, out of recall. */
    async reject(memory: Memory): Promise<void> {
        const file = fileOf(this.app, memory.path);
        const before = await this.app.vault.read(file);
        await this.app.fileManager.trashFile(file);
        this.done(`Moved “${memory.title}” to the trash`, [{ path: memory.path, before, after: null }]);
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

    /** Open the note; with a modifier (Ctrl/Cmd) in a new tab, as a link click in Obsidian does. */
    async open(memory: Memory, newLeaf: boolean | "tab" | "split" | "window" = false): Promise<void> {
        await this.app.workspace.getLeaf(newLeaf).openFile(fileOf(this.app, memory.path));
    }

    /** Revert the last action when its files are as it left them; says what happened either way. */
    async undo(): Promise<boolean> {
        const result = await this.journal.undo(this.textFiles());
        new Notice(result.undone ? `memem: undid “${result.summary}”` : `memem: ${result.why}`);
        return result.undone;
    }

    private curator(): Curator {
        return new Curator(this.memories(), today(), obsidianLinktext(this.app));
    }

    /** The new note first (so its links resolve), then each edit; files are looked up before any write. */
    private async run(plan: Plan): Promise<TFile | undefined> {
        const { vault, fileManager } = this.app;
        const targets = plan.edits.map((edit) => ({ edit, file: fileOf(this.app, edit.path) }));
        const touched: Touched[] = [];
        let created: TFile | undefined;
        let unsure: string | undefined;
        try {
            if (plan.create) {
                const { folder, title, frontmatter, body } = plan.create;
                const stem = noteStem(title);
                let path = `${folder}/${stem}.md`;
                for (let n = 2; vault.getAbstractFileByPath(path); n++) path = `${folder}/${numbered(stem, n)}.md`;
                const text = `---\n${stringifyYaml(frontmatter)}---\n\n${body}`;
                created = await vault.create(path, text);
                touched.push({ path, before: null, after: text });
            }
            for (const { edit, file } of targets) {
                // processFrontMatter hands over properties, not text: the texts either side are read apart
                // from it, and checked against what it was handed and left (see isEditOf).
                const before = await vault.read(file);
                const seen = { handed: "", left: "" };
                await fileManager.processFrontMatter(file, (fm: Frontmatter) => {
                    seen.handed = JSON.stringify(fm);
                    edit.apply(fm);
                    seen.left = JSON.stringify(fm);
                });
                const after = await vault.read(file);
                touched.push({ path: file.path, before, after });
                if (!isEditOf(before, after, seen)) unsure ??= file.path;
            }
        } finally {
            // Half an action is still undoable: what was written is recorded before any error travels on.
            this.done(plan.summary, touched, unsure);
        }
        return created;
    }

    /**
     * Record the action for undo and say it is done. Trigger for `unsure`: another write reached that
     * note between this action's reads and its edit. Why: its before and after texts are then not this
     * action's change alone, and undoing from them would wipe that write out. Outcome: no undo for this
     * action (here or in memem's log), and the notice says why.
     */
    private done(summary: string, touched: Touched[], unsure?: string): void {
        if (unsure) {
            this.journal.forget();
            new Notice(`memem: ${summary}. ${unsure} changed at the same moment, so this cannot be undone.`, 8000);
            return;
        }
        this.journal.record({ summary, touched });
        if (touched.some((t) => t.before !== t.after)) this.recorded({ summary, touched });
        const notice = new Notice(`memem: ${summary}`, 8000);
        const undo = notice.messageEl.createEl("button", { text: "Undo", cls: "memem-undo" });
        undo.addEventListener("click", () => {
            notice.hide();
            void this.undo();
        });
    }

    private textFiles(): TextFiles {
        const { vault, fileManager } = this.app;
        return {
            read: async (path) => {
                const file = vault.getFileByPath(path);
                return file ? vault.read(file) : null;
            },
            replace: async (path, expected, text) => {
                const file = vault.getFileByPath(path);
                if (!file) return false;
                try {
                    await vault.process(file, (current) => {
                        if (current !== expected) throw new Changed();
                        return text;
                    });
                    return true;
                } catch (error) {
                    if (error instanceof Changed) return false;
                    throw error;
                }
            },
            create: async (path, text) => {
                await vault.create(path, text);
            },
            trash: (path) => fileManager.trashFile(fileOf(this.app, path)),
        };
    }
}

/** Thrown inside `vault.process` to leave a file alone that changed since undo compared it. */
class Changed extends Error {}

/**
 * Whether `after` is `before` changed by one properties edit and nothing else: the same body
 * (processFrontMatter leaves it alone), properties that read as they were handed to the edit before, and
 * as the edit left them after. A write that lands between the reads and the edit fails one of the three.
 */
export function isEditOf(before: string, after: string, seen: { handed: string; left: string }): boolean {
    const was = splitNote(before);
    const is = splitNote(after);
    return was.body === is.body && propertiesJson(was.yaml) === seen.handed && propertiesJson(is.yaml) === seen.left;
}

/** Properties as JSON, the way processFrontMatter parses them; null when they do not parse. */
function propertiesJson(yaml: string | null): string | null {
    try {
        return JSON.stringify(yaml === null ? {} : ((parseYaml(yaml) as unknown) ?? {}));
    } catch {
        return null;
    }
}

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** An id in memem's own format: `mem-YYYYMMDD-xxxxxx`. */
export function newId(now: Date = new Date()): string {
    const random = crypto.getRandomValues(new Uint8Array(6));
    const suffix = [...random].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join("");
    return `mem-${today(now).replace(/-/g, "")}-${suffix}`;
}
