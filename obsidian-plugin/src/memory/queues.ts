/** The review queue and the open contradictions: what the two panes list, computed from the vault alone. */

import { isActive, type Memory } from "./memory";
import type { MemorySet } from "./memory-set";

export interface ReviewFilter {
    project?: string;
    kind?: string;
}

/** Newest first: by `created`, then by the file's modification time (memories mined on the same day). */
export function newestFirst(a: Memory, b: Memory): number {
    // ISO dates order as plain strings; localeCompare would cost a collator call per comparison.
    const [x, y] = [a.created ?? "", b.created ?? ""];
    if (x !== y) return x < y ? 1 : -1;
    return b.mtime - a.mtime;
}

/** Waiting for this person's review: not reviewed, still active, and their own (a team's notes are
 *  reviewed by the team, in its pull requests or in the review pane of the team vault itself). */
function awaitsReview(m: Memory): boolean {
    return !m.reviewed && isActive(m) && !m.team;
}

/** Memories nobody has reviewed yet (no `reviewed`), still active, newest first. */
export function reviewQueue(memories: MemorySet, filter: ReviewFilter = {}): Memory[] {
    return memories
        .all()
        .filter(awaitsReview)
        .filter((m) => !filter.project || (filter.project === GLOBAL ? !m.project : m.project === filter.project))
        .filter((m) => !filter.kind || m.kind === filter.kind)
        .sort(newestFirst);
}

/** The value a project filter takes for notes without a project. */
export const GLOBAL = "(global)";

/** The projects and kinds present in the review queue, for the filter drop-downs. */
export function facets(memories: MemorySet): { projects: string[]; kinds: string[] } {
    const queue = memories.all().filter(awaitsReview);
    const projects = new Set(queue.map((m) => m.project ?? GLOBAL));
    const kinds = new Set(queue.map((m) => m.kind).filter((k): k is string => Boolean(k)));
    return { projects: [...projects].sort(), kinds: [...kinds].sort() };
}

export interface Contradiction {
    left: Memory;
    right: Memory;
}

/**
 * `contradicts` pairs still open: both sides active and not marked `consistent_with` each other. A pair
 * linked both ways (as the miner writes it) is listed once, older note on the left.
 */
export function openContradictions(memories: MemorySet): Contradiction[] {
    const seen = new Set<string>();
    const pairs: Contradiction[] = [];
    for (const source of memories.active()) {
        for (const other of memories.targets(source, "contradicts")) {
            if (!isActive(other) || other.path === source.path) continue;
            const key = [source.path, other.path].sort().join("\u0000");
            if (seen.has(key)) continue;
            seen.add(key);
            if (memories.linked(source, other, "consistent_with")) continue;
            const [left, right] = [source, other].sort((a, b) => -newestFirst(a, b));
            pairs.push({ left, right });
        }
    }
    return pairs.sort((p, q) => newestFirst(p.right, q.right));
}
