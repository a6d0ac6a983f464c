/**
 * Typed links as memem writes them: frontmatter lists of `"[[note name]]"` wikilinks, so Obsidian's
 * graph view and backlinks show them. Plain TypeScript, no Obsidian import, so every edit is testable.
 */

export const LINK_KINDS = ["related", "supports", "depends_on", "supersedes", "contradicts", "consistent_with"] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

/** A note's frontmatter as `processFrontMatter` hands it over: a mutable plain object. */
export type Frontmatter = Record<string, unknown>;

/** The link path inside a wikilink value: `"[[a|b]]"` → `a`, `"![[a#h]]"` → `a`; plain text passes through. */
export function linkTarget(value: unknown): string | null {
    if (typeof value !== "string") return null;
    let text = value.trim();
    if (text.startsWith("!")) text = text.slice(1);
    if (text.startsWith("[[") && text.endsWith("]]")) text = text.slice(2, -2);
    text = text.split("|")[0].split("#")[0].trim();
    if (text.toLowerCase().endsWith(".md")) text = text.slice(0, -3);
    return text || null;
}

export function wikilink(linktext: string): string {
    return `[[${linktext}]]`;
}

/** A link property's values as a list: people write a single link as a scalar, memem as a list. */
export function linkValues(fm: Frontmatter, kind: LinkKind): unknown[] {
    const value = fm[kind];
    if (value === undefined || value === null || value === "") return [];
    return Array.isArray(value) ? [...(value as unknown[])] : [value];
}

/** Add a link unless one to the same note is already there (compared case-insensitively). */
export function addLink(fm: Frontmatter, kind: LinkKind, linktext: string): void {
    const values = linkValues(fm, kind);
    const wanted = linktext.toLowerCase();
    if (values.some((v) => linkTarget(v)?.toLowerCase() === wanted)) return;
    fm[kind] = [...values, wikilink(linktext)];
}

/**
 * Remove every link of this kind for which `points` says yes. The property goes away when it ends up
 * empty, so a resolved note does not carry a `contradicts: []` line forever.
 */
export function removeLinks(fm: Frontmatter, kind: LinkKind, points: (target: string) => boolean): number {
    const values = linkValues(fm, kind);
    const kept = values.filter((v) => {
        const target = linkTarget(v);
        return target === null || !points(target);
    });
    const removed = values.length - kept.length;
    if (removed === 0) return 0;
    if (kept.length === 0) delete fm[kind];
    else fm[kind] = kept;
    return removed;
}
