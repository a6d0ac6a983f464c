/**
 * All memories of the vault with their typed links resolved to notes. Resolution is injected
 * (Obsidian's `getFirstLinkpathDest` in the app, a name lookup in tests) so this stays plain TypeScript.
 */

import type { LinkKind } from "./links";
import { isActive, type Memory } from "./memory";

/** A link path, as written in `sourcePath`, to the path of the note it reaches, or null. */
export type LinkResolver = (linkpath: string, sourcePath: string) => string | null;

export class MemorySet {
    private readonly byPathMap = new Map<string, Memory>();
    private readonly list: Memory[];
    // Built on first use: most snapshots only ever answer by path.
    private keyed?: { byKey: Map<string, Memory>; byId: Map<string, Memory> };

    constructor(
        memories: Iterable<Memory>,
        private readonly resolver: LinkResolver = () => null,
    ) {
        for (const memory of memories) this.byPathMap.set(memory.path, memory);
        this.list = [...this.byPathMap.values()];
    }

    /** Every memory; the same array each call (do not modify it). */
    all(): Memory[] {
        return this.list;
    }

    get size(): number {
        return this.byPathMap.size;
    }

    byPath(path: string): Memory | undefined {
        return this.byPathMap.get(path);
    }

    byId(id: string): Memory | undefined {
        return this.keys().byId.get(id);
    }

    private keys(): { byKey: Map<string, Memory>; byId: Map<string, Memory> } {
        if (!this.keyed) {
            const byKey = new Map<string, Memory>();
            const byId = new Map<string, Memory>();
            for (const memory of this.list) {
                if (!byId.has(memory.id)) byId.set(memory.id, memory);
                // The fallback memem itself uses: a link may name a note by file name, id or title.
                for (const key of [memory.name, memory.id, memory.title]) {
                    const k = key.toLowerCase();
                    if (!byKey.has(k)) byKey.set(k, memory);
                }
            }
            this.keyed = { byKey, byId };
        }
        return this.keyed;
    }

    /** The memory a link in `source` reaches, if it reaches one. */
    resolve(linkpath: string, source: Memory): Memory | undefined {
        const path = this.resolver(linkpath, source.path);
        if (path) return this.byPathMap.get(path);
        return this.keys().byKey.get(linkpath.toLowerCase());
    }

    /** Whether a link path written in `source` reaches `target`. */
    reaches(source: Memory, linkpath: string, target: Memory): boolean {
        return this.resolve(linkpath, source)?.path === target.path;
    }

    targets(source: Memory, kind: LinkKind): Memory[] {
        return source.links[kind].map((l) => this.resolve(l, source)).filter((m): m is Memory => m !== undefined);
    }

    /** Memories with a link of this kind to `target`: the other direction of a typed edge. */
    sources(target: Memory, kind: LinkKind): Memory[] {
        return this.all().filter((m) => m.links[kind].some((l) => this.resolve(l, m)?.path === target.path));
    }

    linked(a: Memory, b: Memory, kind: LinkKind): boolean {
        return a.links[kind].some((l) => this.reaches(a, l, b)) || b.links[kind].some((l) => this.reaches(b, l, a));
    }

    active(): Memory[] {
        return this.all().filter(isActive);
    }
}
