/** One line of a note's body for the panes: the first paragraph, links and markup reduced to their text. */

import { stripFrontmatter } from "./curation";

export function snippet(text: string, max = 160): string {
    const body = stripFrontmatter(text);
    const paragraph =
        body
            .split(/\r?\n\s*\r?\n/)
            .map((p) => p.trim())
            .find((p) => p && !/^#{1,6}\s/.test(p)) ?? "";
    const plain = paragraph
        .replace(/!?\[\[([^\]|#]+)(?:#[^\]|]*)?(?:\|([^\]]+))?\]\]/g, (_m, target: string, alias?: string) => alias ?? target)
        .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
        .replace(/[*_`>]/g, "")
        .replace(/\s+/g, " ")
        .trim();
    return clip(plain, max);
}

/** At most `max` characters, an ellipsis marking a cut. */
export function clip(text: string, max: number): string {
    return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}
