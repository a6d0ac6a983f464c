/**
 * Undo for the last curation action. Each action records every file it touched as (text before, text
 * after); undo puts the before texts back, but only when every file is still exactly as the action left
 * it: a note edited since (by the person, another device or the daemon's miner) is never overwritten.
 */

/** What undo needs from the vault, by path; `null` text means the file does not exist. */
export interface TextFiles {
    read(path: string): Promise<string | null>;
    write(path: string, text: string): Promise<void>;
    create(path: string, text: string): Promise<void>;
    /** Into the trash, as a rejected memory goes: recoverable. */
    trash(path: string): Promise<void>;
}

export interface Touched {
    path: string;
    /** null: the action created the file. */
    before: string | null;
    /** null: the action removed the file (rejected to the trash). */
    after: string | null;
}

export interface UndoEntry {
    summary: string;
    touched: Touched[];
}

export type UndoResult = { undone: true; summary: string } | { undone: false; why: string };

export class UndoJournal {
    private last?: UndoEntry;

    record(entry: UndoEntry): void {
        if (entry.touched.some((t) => t.before !== t.after)) this.last = entry;
    }

    /** The action undo would revert, if any. */
    peek(): UndoEntry | undefined {
        return this.last;
    }

    async undo(files: TextFiles): Promise<UndoResult> {
        const entry = this.last;
        if (!entry) return { undone: false, why: "Nothing to undo." };
        for (const t of entry.touched) {
            if ((await files.read(t.path)) !== t.after) {
                return { undone: false, why: `${t.path} changed since “${entry.summary}”; nothing was undone.` };
            }
        }
        this.last = undefined;
        for (const t of entry.touched) {
            if (t.before === t.after) continue;
            if (t.before === null) await files.trash(t.path);
            else if (t.after === null) await files.create(t.path, t.before);
            else await files.write(t.path, t.before);
        }
        return { undone: true, summary: entry.summary };
    }
}
