/**
 * Consolidation's proposals, as the review pane lists them: notes `memem consolidate` writes into
 * `memem/proposals/` (merge these, retire that), each with its evidence. Read from a note's cached
 * frontmatter like memories; deciding one is the daemon's job (it acts through the same operations as
 * every other edit, and logs it for `memem undo`).
 */

import type { Frontmatter } from "./links";
import { linkTarget } from "./links";

export const PROPOSALS_FOLDER = "memem/proposals";
/** `review`: a case no rule may settle (notes that each say they replace the other): accepting does nothing. */
const KINDS = ["merge", "deprecate", "stale", "review"] as const;
export type ProposalKind = (typeof KINDS)[number];

export interface Proposal {
    path: string;
    key: string;
    kind: ProposalKind;
    /** What made it: a rule (duplicate, near-duplicate, superseded, contradicted, stale) or the model (judged-…). */
    reason: string;
    ids: string[];
    /** The notes it names (link paths), in the order of `ids`: for a merge the one kept comes first. */
    targets: string[];
    evidence: string;
}

export function isProposalPath(path: string): boolean {
    return path.startsWith(`${PROPOSALS_FOLDER}/`) && path.toLowerCase().endsWith(".md");
}

function strings(value: unknown): string[] {
    return (Array.isArray(value) ? value : value == null ? [] : [value]).map(String).filter(Boolean);
}

/** The open proposal a note holds, or null (not a proposal, or already decided). */
export function proposalFromFrontmatter(path: string, fm: Frontmatter | undefined | null): Proposal | null {
    if (!fm || !isProposalPath(path)) return null;
    const kind = fm.proposal;
    const key = typeof fm.key === "string" ? fm.key.trim() : "";
    if (!KINDS.includes(kind as ProposalKind) || !key || (fm.status ?? "open") !== "open") return null;
    return {
        path,
        key,
        kind: kind as ProposalKind,
        reason: typeof fm.reason === "string" ? fm.reason : "",
        ids: strings(fm.ids),
        targets: strings(fm.targets).map((t) => linkTarget(t) ?? t),
        evidence: typeof fm.evidence === "string" ? fm.evidence : "",
    };
}

/** What accepting a proposal does, in a few words a person reads before pressing `a`. */
export function proposalAction(proposal: Proposal): string {
    const [first, ...rest] = proposal.targets;
    switch (proposal.kind) {
        case "merge":
            return `Fold ${rest.length === 1 ? "one note" : `${rest.length} notes`} into “${first}”`;
        case "deprecate":
            return `Retire “${first}”` + (rest.length ? ` for “${rest[0]}”` : "");
        case "stale":
            return `Retire “${first}”, which nothing recalls`;
        case "review":
            return `Settle by hand: ${proposal.targets.map((t) => `“${t}”`).join(", ")}`;
    }
}
