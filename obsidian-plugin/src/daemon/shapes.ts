/**
 * What the daemon's answers must look like before the plugin reads them. A field missing or of another
 * type (a daemon of another version, or something that is not memem's daemon) becomes one error naming
 * the field, instead of a TypeError wherever a pane first touches it. Only the fields the plugin reads
 * are checked; the daemon may send more.
 */

/** The problem with `value` at `at` (e.g. `results[2].why`), or null when it fits. */
export type Shape = (value: unknown, at: string) => string | null;

const named = (at: string) => at || "the answer";

export const text: Shape = (value, at) => (typeof value === "string" ? null : `${named(at)} is not text`);
export const count: Shape = (value, at) => (typeof value === "number" && Number.isFinite(value) ? null : `${named(at)} is not a number`);
export const flag: Shape = (value, at) => (typeof value === "boolean" ? null : `${named(at)} is not true or false`);
export const anything: Shape = () => null;

export function oneOf(...allowed: string[]): Shape {
    return (value, at) => (typeof value === "string" && allowed.includes(value) ? null : `${named(at)} is not one of ${allowed.join(", ")}`);
}

/** Absent or null is fine; anything else must fit `shape`. */
export function optional(shape: Shape): Shape {
    return (value, at) => (value === undefined || value === null ? null : shape(value, at));
}

export function listOf(item: Shape): Shape {
    return (value, at) => {
        if (!Array.isArray(value)) return `${named(at)} is not a list`;
        for (const [i, entry] of value.entries()) {
            const problem = item(entry, `${at}[${i}]`);
            if (problem) return problem;
        }
        return null;
    };
}

export function object(fields: Record<string, Shape>): Shape {
    return (value, at) => {
        if (typeof value !== "object" || value === null || Array.isArray(value)) return `${named(at)} is not an object`;
        for (const [name, field] of Object.entries(fields)) {
            const problem = field((value as Record<string, unknown>)[name], at ? `${at}.${name}` : name);
            if (problem) return problem;
        }
        return null;
    };
}

// ---- the answers the plugin reads -------------------------------------------------------------------

export const STATUS = object({
    notes: count,
    vectors: count,
    stale_vectors: count,
    bad_notes: listOf(anything),
    embedder: text,
    daemon: object({ pid: count, phase: text, pending_events: count }),
});

export const SEARCH = object({
    results: listOf(
        object({
            id: text,
            title: text,
            path: text,
            score: count,
            project: optional(text),
            team: optional(text),
            status: text,
            snippet: text,
            why: listOf(text),
        }),
    ),
});

export const NEIGHBORS = object({
    edges: listOf(
        object({
            direction: oneOf("in", "out"),
            kind: text,
            link: text,
            dangling: flag,
            id: optional(text),
            title: optional(text),
            status: optional(text),
        }),
    ),
});

export const AUDIT = object({ contradictions: listOf(listOf(object({ id: text, title: text }))) });

export const PROPOSAL = object({
    team: text,
    branch: text,
    commit: text,
    pushed: flag,
    proposed: listOf(object({ id: text, path: text })),
    refused: listOf(object({ id: text, reason: text })),
});

export const RECORD = object({ id: text, shown: count, used: count, ignored: count, contradicted: count, flagged: flag });

/** What `proposals` answers: the open proposals, of which the plugin reads the key. */
export const OPEN_PROPOSALS = listOf(object({ key: text }));
