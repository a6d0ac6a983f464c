/**
 * The memem daemon's loopback API, as the plugin uses it: status for the status bar, typed and semantic
 * neighbours for the related pane. Transport and discovery are injected: Obsidian's `requestUrl` in the
 * app (no CORS), `fetch` in the Node harness. Every call may fail with `DaemonUnavailable`; the panes
 * then fall back to what the vault alone can tell. Each answer is checked against the shape the plugin
 * reads (`shapes.ts`) before anything reads it.
 */

import { cut } from "../memory/snippet";
import { anything, AUDIT, NEIGHBORS, OPEN_PROPOSALS, PROPOSAL, RECORD, SEARCH, type Shape, STATUS } from "./shapes";

export interface Endpoint {
    url: string;
    token: string;
}

export interface HttpRequest {
    url: string;
    method: "GET" | "POST";
    headers: Record<string, string>;
    body?: string;
    /** How long to wait for the answer, in ms: TRANSPORT_TIMEOUT_MS when absent (see `withTimeout`). */
    timeout?: number;
}

export type Transport = (request: HttpRequest) => Promise<{ status: number; json: unknown }>;

export class DaemonUnavailable extends Error {}

/** The daemon did not answer in time: the request was sent, and nothing says what came of it. */
export class DaemonTimeout extends DaemonUnavailable {}

/**
 * A change was asked for and no answer came in time. Why its own error: the daemon may have carried it
 * out (or still be at it), so the caller must neither report a failure nor offer the same action again
 * as if nothing happened; it looks again at what the daemon did.
 */
export class OutcomeUnknown extends Error {}

/** How long a read of the daemon may take: a hung daemon (or a port that accepts and never answers)
 *  is a daemon that is not there, rather than a request that waits for ever while more pile up behind it. */
export const TRANSPORT_TIMEOUT_MS = 5_000;

/** How long a change may take: the daemon edits notes, reindexes them and logs the change for undo. */
export const CHANGE_TIMEOUT_MS = 60_000;

/** How long a proposal to a team may take: a commit, and a push to the team's remote over the network. */
export const PUSH_TIMEOUT_MS = 180_000;

/** `transport`, failing with DaemonTimeout when an answer takes longer than the request's `timeout` (else
 *  `ms`). The late answer, if it ever comes, is dropped: the caller has already been told there was none. */
export function withTimeout(transport: Transport, ms = TRANSPORT_TIMEOUT_MS): Transport {
    return ({ timeout, ...request }) =>
        new Promise((resolve, reject) => {
            const limit = timeout ?? ms;
            const timer = window.setTimeout(() => reject(new DaemonTimeout(`memem's daemon did not answer within ${limit / 1000} s`)), limit);
            transport(request).then(
                (answer) => {
                    window.clearTimeout(timer);
                    resolve(answer);
                },
                (error: unknown) => {
                    window.clearTimeout(timer);
                    reject(error instanceof Error ? error : new Error(String(error)));
                },
            );
        });
}

export interface DaemonStatus {
    notes: number;
    vectors: number;
    stale_vectors: number;
    bad_notes: unknown[];
    embedder: string;
    daemon: { pid: number; phase: string; pending_events: number };
}

export interface SearchHit {
    id: string;
    title: string;
    path: string;
    score: number;
    project?: string | null;
    /** The team vault the note belongs to; absent or null for the person's own. */
    team?: string | null;
    status: string;
    snippet: string;
    why: string[];
    /** For similar notes: the score as a share of the best hit's (usually the note itself). */
    share?: number;
}

export interface GraphEdge {
    direction: "in" | "out";
    kind: string;
    link: string;
    dangling: boolean;
    id?: string;
    title?: string;
    status?: string;
}

/** A call of the daemon's API: its path under the endpoint, JSON, and the bearer token when the endpoint
 *  has one. Only `/v1/health` is asked without: it is how the locator checks who answers at an address
 *  before the token is sent there. */
export function requestTo(endpoint: { url: string; token?: string }, method: "GET" | "POST", path: string, payload?: unknown): HttpRequest {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (endpoint.token !== undefined) headers.Authorization = `Bearer ${endpoint.token}`;
    return {
        url: endpoint.url.replace(/\/$/, "") + path,
        method,
        headers,
        body: payload === undefined ? undefined : JSON.stringify(payload),
    };
}

/** What the `record` operation answers. */
export interface MemoryRecord {
    id: string;
    shown: number;
    used: number;
    ignored: number;
    contradicted: number;
    flagged: boolean;
}

/** What `team_propose` answers: the branch, and what went in or was left out (and why). */
export interface Proposal {
    team: string;
    branch: string;
    commit: string;
    pushed: boolean;
    proposed: { id: string; path: string }[];
    refused: { id: string; reason: string }[];
}

/** The notice a proposal ends with, in one or two sentences a person can act on. */
export function proposalNotice(result: Proposal): string {
    const count = result.proposed.length;
    const what = `Proposed ${count} ${count === 1 ? "memory" : "memories"} to the team ${result.team}`;
    const where = result.pushed ? `on branch ${result.branch}: open a pull request for it` : `on branch ${result.branch} (not pushed: the team vault has no remote)`;
    const left = result.refused.map((r) => `${r.id} left out: ${r.reason}`).join("; ");
    return `${what} ${where}.${left ? ` ${left}.` : ""}`;
}

/** Similar notes must score at least this share of the best hit (usually the note itself). */
export const SIMILAR_FLOOR = 0.2;

export class DaemonClient {
    constructor(
        private readonly endpoint: () => Promise<Endpoint | null>,
        private readonly transport: Transport,
        /** Called when the daemon stops answering, so the next call finds it afresh. */
        private readonly lost: () => void = () => undefined,
    ) {}

    async status(): Promise<DaemonStatus> {
        return (await this.request("GET", "/v1/status", STATUS)) as DaemonStatus;
    }

    /** Notes that say something close to `text`, from the daemon's hybrid search (vectors + full text).
     *  Without the cross-encoder: it judges whether a note answers a question, and a whole note is no
     *  question; likeness is what the first stage measures. */
    async similar(text: string, project: string | undefined, exclude: string, limit = 8): Promise<SearchHit[]> {
        const data = (await this.request("POST", "/v1/search", SEARCH, {
            query: cut(text, 2000),
            ...(project ? { project } : {}),
            limit: limit + 1,
            rerank: false,
        })) as { results: SearchHit[] };
        // Fused scores are relative to the query: the long tail of a small vault says little.
        const top = Math.max(0, ...data.results.map((hit) => hit.score));
        return data.results
            .filter((hit) => hit.id !== exclude && hit.score >= SIMILAR_FLOOR * top)
            .slice(0, limit)
            .map((hit) => ({ ...hit, share: top > 0 ? hit.score / top : 0 }));
    }

    async neighbors(id: string): Promise<GraphEdge[]> {
        const data = (await this.request("POST", "/v1/op/neighbors", NEIGHBORS, { id })) as { edges: GraphEdge[] };
        return data.edges;
    }

    async contradictions(): Promise<{ id: string; title: string }[][]> {
        const data = (await this.request("POST", "/v1/op/graph_audit", AUDIT, {})) as {
            contradictions: { id: string; title: string }[][];
        };
        return data.contradictions;
    }

    /** Propose memories to a team vault: a screened branch of the team's repository, for review. */
    async propose(ids: string[], team?: string): Promise<Proposal> {
        const payload = { ids, ...(team ? { team } : {}) };
        return (await this.request("POST", "/v1/op/team_propose", PROPOSAL, payload, PUSH_TIMEOUT_MS)) as Proposal;
    }

    /** A memory's record in the usefulness ledger (how often recall showed it, and what came of it). */
    async record(id: string): Promise<MemoryRecord> {
        return (await this.request("POST", "/v1/op/record", RECORD, { id })) as MemoryRecord;
    }

    /** Hand a curation action's edits to memem's event log (the daemon checks each path is a memory). */
    async logEdits(entry: { summary: string; touched: { path: string; before: string | null; after: string | null }[] }): Promise<void> {
        await this.request("POST", "/v1/op/log_edits", anything, { summary: entry.summary, touched: entry.touched }, CHANGE_TIMEOUT_MS);
    }

    /** Accept or reject a consolidation proposal: the daemon carries it out (and logs it for undo). */
    async decide(key: string, decision: "accept" | "reject"): Promise<void> {
        await this.request("POST", "/v1/op/proposal_decide", anything, { key, decision }, CHANGE_TIMEOUT_MS);
    }

    /** The keys of consolidation's proposals still open, as the daemon sees them now. */
    async openProposals(): Promise<string[]> {
        const open = (await this.request("POST", "/v1/op/proposals", OPEN_PROPOSALS, {})) as { key: string }[];
        return open.map((proposal) => proposal.key);
    }

    /**
     * The answer to one call, once it has the shape the caller reads (`shape`). A call that changes
     * something passes `change`, its time bound: a change that runs out of it fails with OutcomeUnknown,
     * not as a daemon that is not there, since it may have been carried out.
     */
    private async request(method: "GET" | "POST", path: string, shape: Shape, payload?: unknown, change?: number): Promise<unknown> {
        const endpoint = await this.endpoint();
        if (!endpoint) throw new DaemonUnavailable("memem's daemon is not running for this vault");
        let response: { status: number; json: unknown };
        try {
            response = await this.transport({ ...requestTo(endpoint, method, path, payload), ...(change ? { timeout: change } : {}) });
        } catch (error) {
            this.lost();
            if (change && error instanceof DaemonTimeout) {
                throw new OutcomeUnknown(
                    `memem: the daemon did not answer within ${change / 1000} s, so the outcome is unknown: it may still be carried out; check again before retrying`,
                );
            }
            if (error instanceof DaemonUnavailable) throw error;
            throw new DaemonUnavailable(`memem's daemon did not answer: ${String(error)}`);
        }
        if (response.status === 401 || response.status === 403) {
            this.lost();
            throw new DaemonUnavailable("memem's daemon refused the token (check the token in settings)");
        }
        if (response.status >= 400) {
            const error = (response.json as { error?: unknown } | null)?.error;
            const message = typeof error === "string" ? error : `HTTP ${response.status}`;
            throw new Error(`memem: ${message}`);
        }
        const problem = shape(response.json, "");
        if (problem) {
            // Not memem's daemon after all, or one of another version: found afresh on the next call.
            this.lost();
            throw new Error(`memem: the daemon's answer to ${path} cannot be read (${problem}); are memem and the plugin the same version?`);
        }
        return response.json;
    }
}
