/**
 * What each curation action does to the vault, as a plan of frontmatter edits (and at most one new
 * note). The plan is plain data and functions over plain objects: the unit tests check every action's
 * effect on frontmatter here, and the Obsidian edge only executes plans through `processFrontMatter`.
 */

import { addLink, type Frontmatter, removeLinks, wikilink } from "./links";
import type { Memory } from "./memory";
import type { MemorySet } from "./memory-set";

export interface Edit {
    path: string;
    apply: (fm: Frontmatter) => void;
}

export interface NewNote {
    /** Folder the note goes in; the file name comes from the title (made unique by the edge). */
    folder: string;
    title: string;
    frontmatter: Frontmatter;
    body: string;
}

export interface Plan {
    summary: string;
    edits: Edit[];
    create?: NewNote;
}

/** How a note links to another: Obsidian's `fileToLinktext` in the app (shortest unambiguous name). */
export type Linktext = (target: Memory, sourcePath: string) => string;

export const byName: Linktext = (target) => target.name;

export class Curator {
    constructor(
        private readonly memories: MemorySet,
        private readonly today: string,
        private readonly linktext: Linktext = byName,
    ) {}

    approve(memory: Memory): Plan {
        const today = this.today;
        return {
            summary: `Approved “${memory.title}”`,
            edits: [{ path: memory.path, apply: (fm) => void (fm.reviewed = today) }],
        };
    }

    /** `status: deprecated`, `valid_to` today (kept as they are when it already is deprecated); a
     *  successor, when given, gets `supersedes` to it. */
    deprecate(memory: Memory, successor?: Memory, reason?: string): Plan {
        if (successor && successor.path === memory.path) throw new Error("A memory cannot supersede itself.");
        const today = this.today;
        const edits: Edit[] = [{ path: memory.path, apply: (fm) => retire(fm, today, reason) }];
        if (successor) {
            const link = this.linktext(memory, successor.path);
            edits.push({ path: successor.path, apply: (fm) => addLink(fm, "supersedes", link) });
        }
        const tail = successor ? `, superseded by “${successor.title}”` : "";
        return { summary: `Deprecated “${memory.title}”${tail}`, edits };
    }

    /** Resolve a contradiction for `winner`: the loser is deprecated and superseded, the tension cleared. */
    keep(winner: Memory, loser: Memory): Plan {
        const today = this.today;
        const loserLink = this.linktext(loser, winner.path);
        return {
            summary: `Kept “${winner.title}”; “${loser.title}” deprecated`,
            edits: [
                {
                    path: loser.path,
                    apply: (fm) => {
                        this.forget(fm, loser, winner);
                        retire(fm, today, `contradicted by ${winner.id}`);
                    },
                },
                {
                    path: winner.path,
                    apply: (fm) => {
                        this.forget(fm, winner, loser);
                        addLink(fm, "supersedes", loserLink);
                        // Choosing it over the other is a review of it.
                        fm.reviewed = today;
                    },
                },
            ],
        };
    }

    /**
     * Both hold (different contexts, say): the `contradicts` edge goes and `consistent_with` records the
     * decision both ways, so neither the audit nor the miner flags the pair again.
     */
    keepBoth(a: Memory, b: Memory): Plan {
        const today = this.today;
        const toB = this.linktext(b, a.path);
        const toA = this.linktext(a, b.path);
        return {
            summary: `Kept both “${a.title}” and “${b.title}”`,
            edits: [
                {
                    path: a.path,
                    apply: (fm) => {
                        this.forget(fm, a, b);
                        addLink(fm, "consistent_with", toB);
                        fm.reviewed = today;
                    },
                },
                {
                    path: b.path,
                    apply: (fm) => {
                        this.forget(fm, b, a);
                        addLink(fm, "consistent_with", toA);
                        fm.reviewed = today;
                    },
                },
            ],
        };
    }

    /**
     * A new note in the originals' folder that supersedes both; the two are deprecated. It holds both
     * bodies until the person edits them into one, so it starts unreviewed and waits in the review queue.
     */
    merge(a: Memory, b: Memory, bodies: { a: string; b: string }, id: string, rootFolder: string): Plan {
        const today = this.today;
        // Side by side in a project's folder; two projects' memories merge into a global one at the root.
        const shared = parentFolder(a.path);
        const folder = shared && shared === parentFolder(b.path) ? shared : rootFolder;
        const title = `${a.title} (merged)`;
        const tags = [...new Set([...a.tags, ...b.tags])];
        const frontmatter: Frontmatter = {
            id,
            title,
            ...(a.project && a.project === b.project ? { project: a.project } : {}),
            layer: Math.min(a.layer ?? 2, b.layer ?? 2),
            kind: a.kind ?? b.kind ?? "fact",
            ...(tags.length ? { tags } : {}),
            status: "active",
            created: today,
            source_type: "user",
            supersedes: [wikilink(this.linktext(a, `${folder}/${title}.md`)), wikilink(this.linktext(b, `${folder}/${title}.md`))],
        };
        const body = `${stripFrontmatter(bodies.a).trim()}\n\n${stripFrontmatter(bodies.b).trim()}\n`;
        const retireFor = (self: Memory, other: Memory): Edit => ({
            path: self.path,
            apply: (fm) => {
                this.forget(fm, self, other);
                retire(fm, today, `merged into ${id}`);
            },
        });
        return {
            summary: `Merged “${a.title}” and “${b.title}” into a new note`,
            edits: [retireFor(a, b), retireFor(b, a)],
            create: { folder, title, frontmatter, body },
        };
    }

    /** Drop `self`'s `contradicts` links that reach `other`. */
    private forget(fm: Frontmatter, self: Memory, other: Memory): void {
        removeLinks(fm, "contradicts", (linkpath) => this.memories.reaches(self, linkpath, other));
    }
}

/**
 * Deprecate a note as memem's own `deprecate` does: deprecating twice changes nothing of the first.
 * Why: when a memory stopped holding (`valid_to`) and why (`deprecated_reason`) belong to the first
 * deprecation; a second one (a note already retired, resolved again as the loser of a contradiction)
 * must not move that date to today or replace the reason.
 */
function retire(fm: Frontmatter, today: string, reason?: string): void {
    if (fm.status !== "deprecated") {
        fm.status = "deprecated";
        fm.valid_to = today;
    }
    if (reason && !fm.deprecated_reason) fm.deprecated_reason = reason;
}

export function parentFolder(path: string): string {
    const slash = path.lastIndexOf("/");
    return slash < 0 ? "" : path.slice(0, slash);
}

/** A properties block at the very start: `---` lines around the YAML. An empty block (`---` then `---`) is
 *  tried first, so it is not read as a block running on to the next `---` rule in the body. */
const FRONTMATTER = /^---\r?\n(?:([\s\S]*?)\r?\n)??---[ \t]*(?:\r?\n|$)/;

/** A note's YAML properties (null without a block; "" for an empty one) and its body after the block. */
export function splitNote(text: string): { yaml: string | null; body: string } {
    const match = FRONTMATTER.exec(text);
    return match ? { yaml: match[1] ?? "", body: text.slice(match[0].length) } : { yaml: null, body: text };
}

/** A note's text without its frontmatter block. */
export function stripFrontmatter(text: string): string {
    return splitNote(text).body;
}
