/** The one line of a note's body the panes show under its title. */

import { describe, expect, it } from "vitest";
import { clip, cut, snippet } from "../../src/memory/snippet";

describe("snippet", () => {
    it("takes the first paragraph, even when the blank line between holds spaces", () => {
        expect(snippet("First line\n  \nSecond paragraph")).toBe("First line");
        expect(snippet("First line\r\n\r\nSecond paragraph")).toBe("First line");
    });

    it("skips headings of every level but keeps a '#' inside a sentence", () => {
        expect(snippet("## Why\n\n###### Details\n\nThe body.")).toBe("The body.");
        expect(snippet("Use C# daily")).toBe("Use C# daily");
        expect(snippet("#tag stays")).toBe("#tag stays");
    });

    it("reduces links to the text a reader sees", () => {
        expect(snippet("See [[Note#Heading]], [[Other#^block|the block]] and [[Plain]].")).toBe("See Note, the block and Plain.");
        expect(snippet("![[Diagram.png]] shows it")).toBe("Diagram.png shows it");
    });

    it("drops markup and folds whitespace into single spaces", () => {
        expect(snippet("> quoted   **bold**\n`code`")).toBe("quoted bold code");
    });

    it("is empty for a note with no paragraph", () => {
        expect(snippet("---\nid: x\n---\n")).toBe("");
        expect(snippet("# Only a heading")).toBe("");
    });

    it("cuts at the limit with an ellipsis, not before", () => {
        expect(snippet("abcde", 5)).toBe("abcde");
        expect(snippet("abcdef", 5)).toBe("abcd…");
        expect(snippet("abcd efgh", 6)).toBe("abcd…");
    });

    it("never cuts an emoji in half: the cut falls before it", () => {
        expect(clip("abc🙂def", 5)).toBe("abc…");
        expect(clip("abc🙂def", 6)).toBe("abc🙂…");
        expect(snippet("ab🙂 cd", 4)).toBe("ab…");
    });
});

describe("cut", () => {
    it("keeps at most `max` units, one fewer when the last would be the first half of a pair", () => {
        expect(cut("ab🙂c", 3)).toBe("ab");
        expect(cut("ab🙂c", 4)).toBe("ab🙂");
        expect(cut("ab🙂c", 2)).toBe("ab");
        expect(cut("abc", 10)).toBe("abc");
        expect(cut("abc", 0)).toBe("");
        // The first halves run from D800 to DBFF; the units either side of that range are cut as they are.
        expect([cut("a\ud800x", 2), cut("a\udbffx", 2)]).toEqual(["a", "a"]);
        expect([cut("a\ud7ffx", 2), cut("a\udc00x", 2)]).toEqual(["a\ud7ff", "a\udc00"]);
    });
});
