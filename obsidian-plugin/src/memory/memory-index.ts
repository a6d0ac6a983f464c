/**
 * The vault's memories kept up to date one note at a time, the way dataview and obsidian-tasks keep
 * their indexes: the Obsidian edge feeds it each changed, deleted or renamed note, and every change bumps
 * a revision. Panes ask for a snapshot (a `MemorySet`, rebuilt in memory at most once per revision) and
 * learn which paths changed, so no interaction ever rescans the vault or re-reads its notes.
 */

import { LINK_KINDS } from "./links";
import type { Memory } from "./memory";
import { type LinkResolver, MemorySet } from "./memory-set";

/** What changed in one revision: the paths that were added, edited, removed or renamed (both names). */
export interface IndexChange {
    revision: number;
    paths: string[];
}

export type IndexListener = (change: IndexChange) => void;

export class MemoryIndex {
    private readonly memories = new Map<string, Memory>();
    private readonly listeners = new Set<IndexListener>();
    private cached?: { revision: number; set: MemorySet };
    private rev = 0;

    constructor(private readonly resolver: LinkResolver = () => null) {}

    /** Bumped on every change that reached the index; a pane drawn at this revision is up to date. */
    get revision(): number {
        return this.rev;
    }

    get size(): number {
        return this.memories.size;
    }

    get(path: string): Memory | undefined {
        return this.memories.get(path);
    }

    /** Replace everything (the first load, or the memories folder moved): one change naming every path. */
    reset(memories: Iterable<Memory>): void {
        const paths = new Set(this.memories.keys());
        this.memories.clear();
        for (const memory of memories) {
            this.memories.set(memory.path, memory);
            paths.add(memory.path);
        }
        this.changed([...paths]);
    }

    /**
     * A note's current memory (or null: it is not a memory any more). Nothing happens when the memory is
     * what the index holds already, so a body edit in an open note wakes no pane that does not show bodies.
     */
    put(path: string, memory: Memory | null, bodyChanged = false): void {
        const before = this.memories.get(path);
        if (!memory) {
            if (before) {
                this.memories.delete(path);
                this.changed([path]);
            }
            return;
        }
        // Unchanged: the held object stays, so the snapshot and every pane stay valid.
        if (before && !bodyChanged && sameMemory(before, memory)) return;
        this.memories.set(path, memory);
        this.changed([path]);
    }

    delete(path: string): void {
        this.put(path, null);
    }

    /** A note moved: under its new path when it is (still) a memory, gone when it left the folder. */
    rename(oldPath: string, newPath: string, memory: Memory | null): void {
        const had = this.memories.delete(oldPath);
        if (memory) this.memories.set(newPath, memory);
        if (had || memory) this.changed([oldPath, newPath]);
    }

    /** Something panes show beside the memories changed (a proposal): a revision naming these paths. */
    touch(paths: string[]): void {
        this.changed(paths);
    }

    /** Every memory with links resolved: the same object until the next change. */
    snapshot(): MemorySet {
        if (this.cached?.revision !== this.rev) {
            this.cached = { revision: this.rev, set: new MemorySet(this.memories.values(), this.resolver) };
        }
        return this.cached.set;
    }

    /** Called after each change; returns the function that unsubscribes. */
    subscribe(listener: IndexListener): () => void {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
    }

    private changed(paths: string[]): void {
        this.rev += 1;
        const change = { revision: this.rev, paths };
        for (const listener of [...this.listeners]) listener(change);
    }
}

/** Equal in everything a pane shows or a rule reads (the file's mtime only orders same-day notes). */
export function sameMemory(a: Memory, b: Memory): boolean {
    if (a.mtime !== b.mtime && a.created === undefined) return false;
    const scalar: (keyof Memory)[] = ["path", "id", "title", "project", "kind", "layer", "status", "reviewed", "created", "sourceType", "sourceSession", "reason"];
    if (scalar.some((key) => a[key] !== b[key])) return false;
    if (a.tags.join("\u0000") !== b.tags.join("\u0000")) return false;
    return LINK_KINDS.every((kind) => a.links[kind].join("\u0000") === b.links[kind].join("\u0000"));
}
