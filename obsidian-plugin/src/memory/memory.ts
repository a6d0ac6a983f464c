/**
 * A memory as the plugin sees it: read from a note's cached frontmatter, never from a private copy, so
 * the panes always show what is on disk (and what the daemon indexes).
 */

import { type Frontmatter, LINK_KINDS, type LinkKind, linkTarget, linkValues } from "./links";

export interface Memory {
    path: string;
    /** The file name without `.md`: what wikilinks to this note say. */
    name: string;
    id: string;
    title: string;
    project?: string;
    kind?: string;
    layer?: number;
    tags: string[];
    status: string;
    reviewed?: string;
    created?: string;
    sourceType?: string;
    sourceSession?: string;
    /** Why the miner linked it `contradicts` (its `contradiction_evidence`), in the miner's words. */
    reason?: string;
    /** The team vault it belongs to (`memem/teams/<team>/memories/…`); absent for the person's own. */
    team?: string;
    /** Link paths (inside the `[[…]]`) by typed link kind, as written. */
    links: Record<LinkKind, string[]>;
    mtime: number;
}

/** YAML dates arrive as strings from Obsidian's parser and as Date objects from some others. */
export function dateText(value: unknown): string | undefined {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
    if (typeof value === "string" && value.trim()) return value.trim();
    if (typeof value === "number") return String(value);
    return undefined;
}

function text(value: unknown): string | undefined {
    if (typeof value === "string" && value.trim()) return value.trim();
    if (typeof value === "number") return String(value);
    return undefined;
}

/** Where memem clones team vaults (`memem team add`), each with its notes in `memories/`. */
export const TEAMS_FOLDER = "memem/teams";
const TEAM_NOTE = /^memem\/teams\/([A-Za-z0-9_][A-Za-z0-9_-]{0,39})\/memories\/.+\.md$/i;

/** The team a note's path puts it in, or undefined for the person's own notes (the daemon's rule). */
export function teamOf(path: string): string | undefined {
    return TEAM_NOTE.exec(path)?.[1];
}

export function basename(path: string): string {
    const file = path.split("/").pop() ?? path;
    return file.toLowerCase().endsWith(".md") ? file.slice(0, -3) : file;
}

/** The memory a note holds, or null when it is not one (no `id`): other notes are left alone. */
export function memoryFromFrontmatter(path: string, fm: Frontmatter | undefined | null, mtime = 0): Memory | null {
    if (!fm) return null;
    const id = text(fm.id);
    if (!id) return null;
    const links = {} as Record<LinkKind, string[]>;
    for (const kind of LINK_KINDS) {
        links[kind] = linkValues(fm, kind)
            .map(linkTarget)
            .filter((t): t is string => t !== null);
    }
    const layer = typeof fm.layer === "number" ? fm.layer : typeof fm.layer === "string" ? Number.parseInt(fm.layer, 10) : Number.NaN;
    return {
        path,
        name: basename(path),
        id,
        title: text(fm.title) ?? basename(path),
        project: text(fm.project),
        kind: text(fm.kind),
        layer: Number.isFinite(layer) ? layer : undefined,
        tags: (Array.isArray(fm.tags) ? fm.tags : fm.tags ? [fm.tags] : []).map(String).filter(Boolean),
        status: text(fm.status) ?? "active",
        reviewed: dateText(fm.reviewed),
        created: dateText(fm.created),
        sourceType: text(fm.source_type),
        sourceSession: text(fm.source_session),
        reason: text(fm.contradiction_evidence),
        team: teamOf(path),
        links,
        mtime,
    };
}

export function isActive(memory: Memory): boolean {
    return memory.status !== "deprecated";
}

/** `YYYY-MM-DD` in the person's own time zone: the date they would write by hand. */
export function today(now: Date = new Date()): string {
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** Where a memory came from, in words a person uses: "learned from a Claude Code session on 2026-03-02",
 *  "team acme · saved on 2026-03-02". */
export function origin(memory: Memory): string {
    const own = ownOrigin(memory);
    if (!memory.team) return own;
    return own ? `team ${memory.team} · ${own}` : `team ${memory.team}`;
}

function ownOrigin(memory: Memory): string {
    const on = memory.created ? ` on ${memory.created}` : "";
    switch (memory.sourceType) {
        case "mined":
            return `learned from a Claude Code session${on}`;
        case "import":
            return `imported${on}`;
        case "user":
            return `saved${on}`;
        default:
            return memory.created ? `written ${memory.created}` : "";
    }
}
