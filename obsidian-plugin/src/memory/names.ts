/** File names for new notes, by the same rules as memem's Python side (readable, valid on every OS). */

import { cut } from "./snippet";

// eslint-disable-next-line no-control-regex -- control characters are exactly what a file name must not hold
const FORBIDDEN = /[*"\\/<>:|?#^[\]\u0000-\u001f\u007f]/g;
const RESERVED = new Set(["CON", "PRN", "AUX", "NUL", ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((i) => [`COM${i}`, `LPT${i}`])]);
const MAX_STEM = 100;

export function noteStem(title: string, fallback = "memory"): string {
    let text = title.normalize("NFC").replace(FORBIDDEN, " ").replace(/\s+/g, " ").trim();
    text = text.replace(/^\.+|\.+$/g, "").trim();
    if (text.length > MAX_STEM) {
        const head = cut(text, MAX_STEM);
        const space = head.lastIndexOf(" ");
        text = (space >= MAX_STEM / 2 ? head.slice(0, space) : head).replace(/[ .,;-]+$/, "");
    }
    if (!text || RESERVED.has(text.toUpperCase())) text = fallback;
    return text;
}

/** 'Title', 'Title 2', 'Title 3', … as Obsidian numbers a taken name. */
export function numbered(stem: string, n: number): string {
    return n <= 1 ? stem : `${stem} ${n}`;
}
