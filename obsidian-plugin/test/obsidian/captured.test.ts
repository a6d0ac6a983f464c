/**
 * Replays what the real Obsidian produced, so the stand-in the other tests run on is held to the app.
 *
 * Data: `test/captured/obsidian-tasks/*.json`, captured inside Obsidian (1.7.7–1.9.x) by the
 * obsidian-tasks project's Templater script and published under the MIT licence (see SOURCE.md and
 * LICENSE beside them): each file is a note's exact text (`fileContents`), the metadata cache's entry for
 * it (`cachedMetadata`, keys sorted by the script), and where each link resolves.
 *
 * Taken from the captured data: how the cache parses frontmatter (dates stay strings, an empty value is
 * null, `tags: a, b` stays a string), what `frontmatterLinks` records for a link property, and the YAML
 * Obsidian itself writes (block lists indented two spaces, wikilinks in double quotes). Taken from
 * Obsidian's API documentation (obsidian.d.ts), not captured: that `processFrontMatter` hands over the
 * parsed object to mutate and writes the whole block back; that `changed` fires after a file is indexed,
 * not on rename, and `resolved` after each round of resolution.
 */

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { linkTarget } from "../../src/memory/links";
import { memoryFromFrontmatter } from "../../src/memory/memory";
import { App, memoryStorage, splitFrontmatter, stringifyYaml, type TFile } from "../shim/obsidian";

interface Captured {
    filePath: string;
    fileContents: string;
    cachedMetadata: {
        frontmatter?: Record<string, unknown>;
        frontmatterLinks?: { key: string; link: string; original: string; displayText: string }[];
    };
    resolveLinkToPath?: Record<string, string | null>;
}

const DIR = join(__dirname, "..", "captured", "obsidian-tasks");
const captured: Record<string, Captured> = Object.fromEntries(
    readdirSync(DIR)
        .filter((name) => name.endsWith(".json"))
        .map((name) => [name.replace(/\.json$/, ""), JSON.parse(readFileSync(join(DIR, name), "utf8")) as Captured]),
);

/** Notes whose frontmatter Obsidian itself wrote (its Properties editor): the style `processFrontMatter` keeps. */
const WRITTEN_BY_OBSIDIAN = ["yaml_all_property_types_populated", "yaml_complex_example_standardised", "yaml_tags_had_value_then_was_emptied_by_obsidian"];

/** Parse a captured note with the stand-in's metadata cache, as the plugin's tests do. */
async function cacheOf(note: Captured): Promise<Record<string, unknown> | undefined> {
    const app = new App(memoryStorage({ [note.filePath]: note.fileContents }));
    await app.vault.load();
    const file = app.vault.getFileByPath(note.filePath) as TFile;
    return app.metadataCache.getFileCache(file)?.frontmatter;
}

describe("the stand-in's metadata cache against Obsidian's", () => {
    it("has all eight captures", () => {
        expect(Object.keys(captured)).toHaveLength(8);
    });

    for (const [name, note] of Object.entries(captured)) {
        if (!note.cachedMetadata.frontmatter) continue;
        it(`parses ${name} to the frontmatter Obsidian cached`, async () => {
            expect(await cacheOf(note)).toEqual(note.cachedMetadata.frontmatter);
        });
    }
});

describe("the plugin reading what Obsidian caches", () => {
    it("reads links the way Obsidian's frontmatterLinks records them", () => {
        const links = Object.values(captured).flatMap((note) => note.cachedMetadata.frontmatterLinks ?? []);
        expect(links.length).toBeGreaterThanOrEqual(4);
        for (const link of links) {
            // A heading-only link points into the note itself: no other note to reach.
            const expected = link.link.startsWith("#") ? null : link.link.split("#")[0];
            expect(linkTarget(link.original), link.original).toBe(expected);
        }
    });

    it("takes a captured frontmatter with every property type as a memory once it has an id", () => {
        const fm: Record<string, unknown> = { ...captured.yaml_all_property_types_populated.cachedMetadata.frontmatter, id: "m1" };
        const memory = memoryFromFrontmatter("memem/memories/x.md", { ...fm, related: fm.sample_link_list_property, created: fm.sample_date_property })!;
        expect(memory.created).toBe("2024-07-21"); // dates arrive as strings
        expect(memory.tags).toEqual(["sample/tag/value"]);
        expect(memory.links.related).toEqual(["yaml_all_property_types_populated", "yaml_all_property_types_empty"]);
        expect(memoryFromFrontmatter("x.md", fm.sample_list_property as never)).toBeNull();
    });

    it("survives every property Obsidian leaves empty (null) and tags kept as a plain string", () => {
        const empty = captured.yaml_all_property_types_empty.cachedMetadata.frontmatter!;
        const memory = memoryFromFrontmatter("m.md", { ...empty, id: "m2", related: null, supersedes: null, title: null, layer: null })!;
        expect(memory).toMatchObject({ title: "m", tags: [], layer: undefined, status: "active" });
        expect(memory.links.related).toEqual([]);
        const oneLine = captured.yaml_tags_with_two_values_on_one_line.cachedMetadata.frontmatter!;
        expect(memoryFromFrontmatter("m.md", { ...oneLine, id: "m3" })!.tags).toEqual([String(oneLine.tags)]);
    });
});

describe("the stand-in's YAML writer against what Obsidian wrote", () => {
    for (const name of WRITTEN_BY_OBSIDIAN) {
        it(`writes ${name}'s frontmatter back exactly as Obsidian wrote it`, async () => {
            const note = captured[name];
            const { yaml } = splitFrontmatter(note.fileContents);
            const parsed = await cacheOf(note);
            expect(`${stringifyYaml(parsed)}`).toBe(`${yaml}\n`);
        });
    }
});
