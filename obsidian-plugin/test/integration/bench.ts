/**
 * The plugin at scale: a built main.js loaded by the harness over a vault of generated memories, with
 * the review pane shown and the contradictions and related panes open behind it (as sidebar tabs are).
 * Counts what Obsidian would pay for — vault scans (`getMarkdownFiles`), note reads, time in the panes'
 * drawing — for a lookup, an approve, and an editor saving an open note five times.
 *
 *   node bench.cjs <main.js> <vault> → one JSON object on stdout (benchmarks/plugin_bench.py runs it)
 */

import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { type App, type TFile, timing } from "../shim/obsidian";
import { folderStorage, installDom, loadPlugin } from "./harness";

interface Pane {
    render(): Promise<void>;
    containerEl: HTMLElement;
}

interface Meter {
    scans: number;
    reads: number;
    drawMs: number;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settle(app: App): Promise<void> {
    do await pause(5);
    while (app.metadataCache.pending > 0);
    await pause(400); // the panes' debounced redraw
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
    const [bundle, vault] = process.argv.slice(2);
    installDom();
    timing.debounceCapMs = Number.POSITIVE_INFINITY; // Obsidian's real debounce delays
    const meter: Meter = { scans: 0, reads: 0, drawMs: 0 };
    const storage = folderStorage(resolve(vault));
    const read = storage.read.bind(storage);
    storage.read = (path) => {
        meter.reads += 1;
        return read(path);
    };
    const loadStart = performance.now();
    const { app, plugin } = await loadPlugin(resolve(bundle), storage, {});
    const listFiles = app.vault.getMarkdownFiles.bind(app.vault);
    app.vault.getMarkdownFiles = () => {
        meter.scans += 1;
        return listFiles();
    };
    const panes: Pane[] = [];
    for (const type of ["memem-contradictions", "memem-related", "memem-review"]) {
        const leaf = (await plugin.openView(type)) as unknown as { view: Pane };
        const view = leaf.view;
        const render = view.render.bind(view);
        view.render = async () => {
            const start = performance.now();
            await render();
            meter.drawMs += performance.now() - start;
        };
        panes.push(view);
    }
    // Sidebar tabs: only the last opened (review) is visible.
    panes[0].containerEl.style.display = "none";
    panes[1].containerEl.style.display = "none";
    await settle(app);
    const loadMs = performance.now() - loadStart;

    const actions = (plugin as unknown as { actions: { memoryAt(p: string): { path: string; reviewed?: string } | undefined; approve(m: unknown): Promise<void> } }).actions;
    const files = listFiles().map((f) => f.path);
    const take = (m: Meter) => ({ ...m });
    const since = (before: Meter) => ({ scans: meter.scans - before.scans, reads: meter.reads - before.reads, drawMs: meter.drawMs - before.drawMs });

    // Lookup: the memory at a path, as the commands and the file menu ask for it.
    const lookups: number[] = [];
    for (let i = 0; i < 200; i++) {
        const start = performance.now();
        actions.memoryAt(files[(i * 7919) % files.length]);
        lookups.push(performance.now() - start);
    }

    // Approve from the review pane's queue, one at a time, each until its redraw is done.
    const unreviewed = files.filter((p) => actions.memoryAt(p) && !actions.memoryAt(p)?.reviewed).slice(0, 10);
    const approves: { ms: number; editMs: number; drawMs: number; scans: number; reads: number }[] = [];
    for (const path of unreviewed) {
        const memory = actions.memoryAt(path);
        const before = take(meter);
        const start = performance.now();
        await actions.approve(memory);
        const callMs = performance.now() - start;
        await settle(app);
        const cost = since(before);
        approves.push({ ms: callMs + cost.drawMs, editMs: callMs, drawMs: cost.drawMs, scans: cost.scans, reads: cost.reads });
    }

    // An open note saved five times by the editor (a body edit, as typing with autosave does), each save
    // after the panes' debounce has run out, as autosaves two seconds apart are.
    const open = app.vault.getFileByPath(unreviewed.at(-1) ?? files[0]) as TFile;
    app.workspace.setActiveFile(open);
    await settle(app);
    const before = take(meter);
    for (let i = 0; i < 5; i++) {
        const text = await read(open.path);
        await app.vault.modify(open, `${text}\nEdit ${i}.\n`);
        await settle(app);
    }
    await settle(app);
    const saves = since(before);

    process.stdout.write(
        `${JSON.stringify({
            memories: files.length,
            load_ms: loadMs,
            lookup_ms: median(lookups),
            approve_ms: median(approves.map((a) => a.ms)),
            approve_edit_ms: median(approves.map((a) => a.editMs)),
            approve_draw_ms: median(approves.map((a) => a.drawMs)),
            approve_scans: median(approves.map((a) => a.scans)),
            approve_reads: median(approves.map((a) => a.reads)),
            saves_scans: saves.scans,
            saves_reads: saves.reads,
            saves_draw_ms: saves.drawMs,
        })}\n`,
    );
    process.exit(0);
}

void main();
