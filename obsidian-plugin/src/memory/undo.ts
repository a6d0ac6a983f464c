/**
 * Undo for the last curation action. Each action records every file it touched as (text before, text
 * after); undo puts the before texts back, but only when every file is still exactly as the action left
 * it: a note edited since (by the person, another device or the daemon's miner) is never overwritten,
 * not even by an edit that lands while the undo runs (each file is compared and written in one step).
 */

/** What undo needs from the vault, by path; `null` text means the file does not exist. */
export interface TextFiles {
    read(path: string): Promise<string | null>;
    /** Write `text` over the file if it is still exactly `expected`, comparing and writing in one step
     *  (`vault.process` in the app); false, with nothing written, when it is not, or is gone. */
    replace(path: string, expected: string, text: string): Promise<boolean>;
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

    /** Forget the last action: it cannot be undone safely (see MemoryActions). */
    forget(): void {
        this.last = undefined;
    }

    async undo(files: TextFiles): Promise<UndoResult> {
        const entry = this.last;
        if (!entry) return { undone: false, why: "Nothing to undo." };
        const changed = (path: string): UndoResult => ({ undone: false, why: `${path} changed since “${entry.summary}”; nothing was undone.` });
        for (const t of entry.touched) {
            if ((await files.read(t.path)) !== t.after) return changed(t.path);
        }
        // The edits first, each compared and written in one step. One that finds its file changed since the
        // check above (the person typing, a sync) refuses, and the edits this undo already wrote are put
        // back: all or nothing, as when the check refuses. (Should one of those have changed too in that
        // instant, its new text stays: nobody's edit is overwritten.)
        const written: { path: string; before: string; after: string }[] = [];
        for (const { path, before, after } of entry.touched) {
            if (before === null || after === null || before === after) continue;
            if (!(await files.replace(path, after, before))) {
                for (const done of written.reverse()) await files.replace(done.path, done.before, done.after);
                return changed(path);
            }
            written.push({ path, before, after });
        }
        this.last = undefined;
        // Then notes the action created (to the trash, recoverable) and removed (created again: refused by
        // the vault should the path have been taken since).
        for (const t of entry.touched) {
            if (t.before === t.after) continue;
            if (t.before === null) await files.trash(t.path);
            else if (t.after === null) await files.create(t.path, t.before);
        }
        return { undone: true, summary: entry.summary };
    }
}
