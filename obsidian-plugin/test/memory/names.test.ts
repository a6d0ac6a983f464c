/** File names for new notes: what a merged note is called on disk, on every OS memem's vault syncs to. */

import { describe, expect, it } from "vitest";
import { noteStem, numbered } from "../../src/memory/names";

describe("noteStem", () => {
    it("never uses a name Windows reserves, in any case, and falls back to the given name", () => {
        for (const reserved of ["CON", "prn", "Aux", "nul", "COM1", "com9", "LPT1", "lpt9"]) {
            expect(noteStem(reserved), reserved).toBe("memory");
        }
        expect(noteStem("NUL", "merged")).toBe("merged");
        // Only the exact device names are reserved.
        expect(noteStem("COM10")).toBe("COM10");
        expect(noteStem("Console")).toBe("Console");
    });

    it("drops leading and trailing dots and spaces, and keeps dots inside", () => {
        expect(noteStem("  Title  ")).toBe("Title");
        expect(noteStem(" .hidden. ")).toBe("hidden");
        expect(noteStem(". Title")).toBe("Title");
        expect(noteStem("..x")).toBe("x");
        expect(noteStem("x..")).toBe("x");
        expect(noteStem("v1.2 release")).toBe("v1.2 release");
        expect(noteStem("...", "fallback")).toBe("fallback");
    });

    it("keeps a title of up to 100 characters whole", () => {
        const title = "word ".repeat(20).trim() + "s"; // 100 characters
        expect(title).toHaveLength(100);
        expect(noteStem(title)).toBe(title);
        const short = `${"x".repeat(55)} ${"y".repeat(10)}`;
        expect(noteStem(short)).toBe(short);
    });

    it("cuts a long title at the last space in its second half, without trailing punctuation", () => {
        expect(noteStem("alpha, ".repeat(20))).toBe(Array(14).fill("alpha").join(", "));
        expect(noteStem(`${"w".repeat(60)}.; ${"z".repeat(60)}`)).toBe("w".repeat(60));
        // A space exactly halfway still counts.
        expect(noteStem(`${"x".repeat(50)} ${"y".repeat(60)}`)).toBe("x".repeat(50));
    });

    it("cuts a long title before an emoji that straddles the 100th character, never through it", () => {
        expect(noteStem(`${"x".repeat(99)}🙂tail`)).toBe("x".repeat(99));
        expect(noteStem(`${"x".repeat(98)}🙂tail`)).toBe(`${"x".repeat(98)}🙂`);
    });

    it("cuts a long title with no late space at 100 characters", () => {
        const title = `a ${"x".repeat(120)}`;
        expect(noteStem(title)).toBe(title.slice(0, 100));
    });
});

describe("numbered", () => {
    it("leaves the first name alone and numbers the next ones from 2", () => {
        expect(numbered("Title", 1)).toBe("Title");
        expect(numbered("Title", 2)).toBe("Title 2");
        expect(numbered("Title", 3)).toBe("Title 3");
    });
});
