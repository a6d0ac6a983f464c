/**
 * Real notes to test against: the starter vault memem ships (its metadata parsed exactly as stored),
 * plus a contradicting pair written the way memem's miner writes one.
 */

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parse } from "yaml";
import type { Frontmatter } from "../src/memory/links";
import { memoryFromFrontmatter, type Memory } from "../src/memory/memory";
import { MemorySet } from "../src/memory/memory-set";
import { splitFrontmatter } from "./shim/obsidian";

/** The repository's `memem/vault/starter`, looked up from here: Stryker runs the tests from a copy of the
 *  plugin folder nested deeper (`.stryker-tmp/sandbox-…/`), where a fixed `../..` would miss it. */
export const TEMPLATE = findUp(join("memem", "vault", "starter"));

function findUp(relativePath: string, from = __dirname): string {
    for (let dir = from; ; dir = dirname(dir)) {
        const candidate = join(dir, relativePath);
        if (existsSync(candidate)) return candidate;
        if (dirname(dir) === dir) throw new Error(`${relativePath} not found above ${from}`);
    }
}

function walk(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
        const full = join(dir, name);
        if (name.startsWith(".")) return [];
        return statSync(full).isDirectory() ? walk(full) : name.endsWith(".md") ? [full] : [];
    });
}

/** Every note of the starter vault, path → text. */
export function templateFiles(): Record<string, string> {
    const files: Record<string, string> = {};
    for (const full of walk(TEMPLATE)) files[relative(TEMPLATE, full).split("\\").join("/")] = readFileSync(full, "utf8");
    return files;
}

export const MINED_PAIR: Record<string, string> = {
    "memem/memories/Tests run with pytest -x.md": `---
id: mem-20261120-aaaaaa
title: Tests run with pytest -x
project: example-app
layer: 2
kind: convention
tags:
  - testing
status: active
created: 2026-11-20
source_type: mined
source_session: 0b9e3c1a-5d7f-4c1e-9a51-3f1f2a7e8c11
contradicts:
  - "[[Tests run without -x]]"
custom_key: kept as is
---

Run the test suite with \`pytest -x\` so the first failure stops the run.
`,
    "memem/memories/Tests run without -x.md": `---
id: mem-20261123-bbbbbb
title: Tests run without -x
project: example-app
layer: 2
kind: convention
tags:
  - testing
  - ci
status: active
created: 2026-11-23
source_type: mined
source_session: 6c2d1b7e-0f3a-4e8b-b2c4-9d8e7f6a5b43
contradicts:
  - "[[Tests run with pytest -x]]"
---

CI runs the whole suite without \`-x\` so every failure shows in one run.
`,
};

export function frontmatterOf(text: string): Frontmatter {
    const { yaml } = splitFrontmatter(text);
    return (yaml ? parse(yaml) : {}) as Frontmatter;
}

/** The memories among `files`, with links resolved by file name as Obsidian would. */
export function memorySet(files: Record<string, string>): MemorySet {
    const memories = Object.entries(files)
        .map(([path, text], i) => memoryFromFrontmatter(path, frontmatterOf(text), i))
        .filter((m): m is Memory => m !== null);
    const byName = new Map(memories.map((m) => [m.name.toLowerCase(), m.path]));
    return new MemorySet(memories, (linkpath) => byName.get(linkpath.toLowerCase()) ?? null);
}
