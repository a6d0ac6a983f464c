/**
 * Related memories for the open note: its typed graph neighbours (both directions) and semantic
 * neighbours from the daemon's search. With the daemon down, the typed links come from the vault itself.
 */

import type { TFile } from "obsidian";
import type { IndexChange } from "../memory/memory-index";
import { DaemonUnavailable, type GraphEdge, type MemoryRecord, type SearchHit } from "../daemon/client";
import { LINK_KINDS } from "../memory/links";
import type { Memory } from "../memory/memory";
import type { MemorySet } from "../memory/memory-set";
import { stripFrontmatter } from "../memory/curation";
import { MemoryView } from "./memory-view";

export const RELATED_VIEW = "memem-related";

interface Neighbour {
    direction: "in" | "out";
    kind: string;
    title: string;
    path?: string;
    id?: string;
    status?: string;
}

export class RelatedView extends MemoryView {
    private generation = 0;
    /** The open memory and every memory drawn as its neighbour: the paths whose change redraws the pane. */
    private readonly shownPaths = new Set<string>();

    getViewType(): string {
        return RELATED_VIEW;
    }

    getDisplayText(): string {
        return "Related memories";
    }

    getIcon(): string {
        return "network";
    }

    async onOpen(): Promise<void> {
        this.registerEvent(this.app.workspace.on("file-open", () => this.invalidate()));
        await super.onOpen();
    }

    protected concerns(change: IndexChange): boolean {
        return change.paths.some((path) => this.shownPaths.has(path));
    }

    async render(): Promise<void> {
        const generation = ++this.generation;
        const file = this.app.workspace.getActiveFile();
        const memories = this.ctx.actions.memories();
        const memory = file ? memories.byPath(file.path) : undefined;
        const root = this.content;
        root.empty();
        this.shownPaths.clear();
        if (file) this.shownPaths.add(file.path);
        root.addClass("memem-related");
        const header = root.createDiv({ cls: "memem-pane-header" });
        if (!file || !memory) {
            header.createEl("h4", { text: "Related memories" });
            root.createDiv({ cls: "memem-empty", text: "Open a memory to see what it is linked to and what says something similar." });
            return;
        }
        header.createEl("h4", { text: memory.title });
        const team = memory.team ? `team ${memory.team}` : "";
        const state = [memory.status, memory.kind, memory.project ?? "global", team].filter(Boolean).join(" · ");
        const stateEl = header.createDiv({ cls: "memem-card-meta", text: state });
        if (memory.status !== "deprecated") {
            this.button(header, "Deprecate", "Deprecate this memory, optionally naming its successor", async () =>
                this.ctx.deprecateWithPrompt(memory.path),
            );
        }

        const typedEl = root.createDiv({ cls: "memem-section" });
        const similarEl = root.createDiv({ cls: "memem-section" });
        typedEl.createEl("h5", { text: "Linked" });
        similarEl.createEl("h5", { text: "Similar" });
        const [typed, similar, record] = await Promise.all([
            this.typed(memory, memories),
            this.similar(file, memory),
            this.ctx.daemon.record(memory.id).catch(() => null),
        ]);
        // Another note was opened meanwhile (its render draws the pane), or the pane was closed.
        if (generation !== this.generation || this.closed) return;
        if (record && record.shown > 0) stateEl.after(createDiv({ cls: "memem-card-meta memem-record", text: describeRecord(record) }));
        this.neighbours(typedEl, typed.edges, memories);
        if (typed.note) typedEl.createDiv({ cls: "memem-note", text: typed.note });
        if (typeof similar === "string") similarEl.createDiv({ cls: "memem-note", text: similar });
        else if (similar.length === 0) similarEl.createDiv({ cls: "memem-empty", text: "Nothing similar." });
        else for (const hit of similar) this.hit(similarEl, hit, memories);
    }

    private async typed(memory: Memory, memories: MemorySet): Promise<{ edges: Neighbour[]; note?: string }> {
        try {
            const edges = await this.ctx.daemon.neighbors(memory.id);
            return { edges: edges.map(fromDaemon) };
        } catch (error) {
            const edges: Neighbour[] = [];
            for (const kind of LINK_KINDS) {
                for (const target of memories.targets(memory, kind)) edges.push({ direction: "out", kind, ...ref(target) });
                for (const source of memories.sources(memory, kind)) edges.push({ direction: "in", kind, ...ref(source) });
            }
            const why = error instanceof DaemonUnavailable ? "daemon not running" : String(error);
            return { edges, note: `From the vault's links (${why}).` };
        }
    }

    private async similar(file: TFile, memory: Memory): Promise<SearchHit[] | string> {
        try {
            const body = stripFrontmatter(await this.app.vault.cachedRead(file));
            return await this.ctx.daemon.similar(`${memory.title}\n${body}`, memory.project, memory.id);
        } catch (error) {
            if (error instanceof DaemonUnavailable) return "Start memem's daemon (`memem serve`) for similar memories.";
            return String(error);
        }
    }

    private neighbours(parent: HTMLElement, edges: Neighbour[], memories: MemorySet): void {
        if (edges.length === 0) {
            parent.createDiv({ cls: "memem-empty", text: "No typed links." });
            return;
        }
        const list = parent.createEl("ul", { cls: "memem-links" });
        for (const edge of edges) {
            const item = list.createEl("li");
            item.createSpan({ cls: `memem-kind memem-kind-${edge.kind}`, text: edgeLabel(edge) });
            if (edge.status === "deprecated") item.addClass("is-deprecated");
            const target = edge.path ? memories.byPath(edge.path) : edge.id ? memories.byId(edge.id) : undefined;
            item.appendText(" ");
            if (target) {
                this.shownPaths.add(target.path);
                this.titleLink(item, target, "memem-link");
            } else item.createSpan({ cls: "memem-link is-unresolved", text: edge.title });
        }
    }

    private hit(parent: HTMLElement, hit: SearchHit, memories: MemorySet): void {
        const item = parent.createDiv({ cls: "memem-hit" });
        const target = memories.byPath(hit.path);
        if (target) {
            this.shownPaths.add(target.path);
            this.titleLink(item, target, "memem-link");
        } else item.createDiv({ cls: "memem-link", text: hit.title });
        item.createDiv({ cls: "memem-card-snippet", text: hit.snippet });
        const meta = hit.team ? `team ${hit.team} · ${likeness(hit)}` : likeness(hit);
        item.createDiv({ cls: "memem-card-meta", text: meta, attr: { title: `score ${hit.score.toFixed(2)}` } });
    }
}

/**
 * How alike a hit is, in words: its score against the best hit's (scores are relative to the query), and
 * which search legs found it ("same words" from full text, "same meaning" from the vectors).
 */
export function likeness(hit: Pick<SearchHit, "share" | "why">): string {
    const share = hit.share ?? 0;
    const how = share >= 0.75 ? "Very close" : share >= 0.45 ? "Close" : "Loosely related";
    const legs = [
        hit.why.some((w) => w.startsWith("vector")) ? "same meaning" : "",
        hit.why.some((w) => w.startsWith("fulltext")) ? "same words" : "",
    ].filter(Boolean);
    return legs.length ? `${how}: ${legs.join(" and ")}` : how;
}

/** `→ supersedes`, `← supports`; plain body links read as mentions. */
export function edgeLabel(edge: { direction: "in" | "out"; kind: string }): string {
    if (edge.kind === "link") return edge.direction === "out" ? "→ mentions" : "← mentioned in";
    return `${edge.direction === "out" ? "→" : "←"} ${edge.kind.replace("_", " ")}`;
}

function fromDaemon(edge: GraphEdge): Neighbour {
    const title = edge.title ?? `${edge.link} (missing)`;
    return { direction: edge.direction, kind: edge.kind, title, id: edge.id, status: edge.status };
}

function ref(memory: Memory): { title: string; path: string; status: string } {
    return { title: memory.title, path: memory.path, status: memory.status };
}

/** A memory's record in the usefulness ledger, in a line: how often recall showed it, and what came of it. */
export function describeRecord(record: MemoryRecord): string {
    const times = record.shown === 1 ? "once" : `${record.shown} times`;
    const parts = [`recalled ${times}`, `used ${record.used}`, `ignored ${record.ignored}`, `contradicted ${record.contradicted}`];
    return parts.join(" · ") + (record.flagged ? " — keeps being contradicted: review it" : "");
}
