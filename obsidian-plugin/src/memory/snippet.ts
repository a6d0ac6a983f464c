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
    return text.length <= max ? text : `${cut(text, max - 1).trimEnd()}…`;
}

/**
 * The first `max` UTF-16 units of `text` at most, one fewer when the cut would split a surrogate pair.
 * Why: an emoji (and any character outside the Basic Multilingual Plane) is two units; half of one is
 * no character, shows as a replacement box, cannot be in a file name, and memem's daemon refuses a
 * request that holds one (HTTP 400).
 */
export function cut(text: string, max: number): string {
    const last = text.charCodeAt(max - 1);
    return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
