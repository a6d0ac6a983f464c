/** Consolidation's proposals in the review pane: listed first with what accepting does and why, decided
 *  with one key (a accepts, x rejects) through the daemon, gone once their note says so. */

import { afterEach, describe, expect, it } from "vitest";
import { isProposalPath, type Proposal, proposalAction, proposalFromFrontmatter } from "../../src/memory/proposals";
import { REVIEW_VIEW, UNSURE } from "../../src/obsidian/review-view";
import { notices } from "../shim/obsidian";
import { HttpError, type Loaded, loadPlugin, NEWER, openPane, settle, texts, unload } from "./plugin-harness";

afterEach(unload);

const MERGE = "memem/proposals/merge-3f2a9c1b01.md";
const STALE = "memem/proposals/stale-0a1b2c3d4e.md";
const proposalNote = (key: string, kind: string, targets: string[], evidence: string, status = "open") =>
    `---\nproposal: ${kind}\nkey: ${key}\nstatus: ${status}\nreason: ${kind === "merge" ? "near-duplicate" : "stale"}\n` +
    `ids:\n${targets.map((_t, i) => `  - id-${i}`).join("\n")}\ntargets:\n${targets.map((t) => `  - "[[${t}]]"`).join("\n")}\n` +
    `evidence: "${evidence}"\ncreated: 2026-12-05\n---\n\nA proposal.\n`;

const FILES = {
    [MERGE]: proposalNote("merge-3f2a9c1b01", "merge", ["Use uv for Python installs", "Install with uv"], "2 notes say the same thing in other words (cosine up to 0.94)"),
    [STALE]: proposalNote("stale-0a1b2c3d4e", "stale", ["Old FTP deploys"], "never shown; written 2025-03-01, not updated since"),
    "memem/proposals/merge-decided.md": proposalNote("merge-decided", "merge", ["A", "B"], "done", "rejected"),
};

describe("proposals, as notes", () => {
    it("are read from memem/proposals while open, and say what accepting does", () => {
        const fm = { proposal: "merge", key: "k", status: "open", targets: ["[[Keep]]", "[[Other]]", "[[Third]]"], ids: ["a", "b", "c"], evidence: "e" };
        const merge = proposalFromFrontmatter("memem/proposals/k.md", fm)!;
        expect(merge).toMatchObject({ key: "k", kind: "merge", ids: ["a", "b", "c"], targets: ["Keep", "Other", "Third"], evidence: "e" });
        expect(proposalAction(merge)).toBe("Fold 2 notes into “Keep”");
        expect(proposalAction({ ...merge, targets: ["Keep", "Other"] })).toBe("Fold one note into “Keep”");
        const deprecate = { ...merge, kind: "deprecate", targets: ["Old", "New"] } as Proposal;
        expect(proposalAction(deprecate)).toBe("Retire “Old” for “New”");
        expect(proposalAction({ ...deprecate, targets: ["Old"] })).toBe("Retire “Old”");
        expect(proposalAction({ ...merge, kind: "stale", targets: ["Old"] })).toBe("Retire “Old”, which nothing recalls");
        expect(proposalAction({ ...merge, kind: "review", targets: ["Node 18", "Node 20"] })).toBe("Settle by hand: “Node 18”, “Node 20”");
        expect(proposalFromFrontmatter("memem/proposals/k.md", { ...fm, status: "accepted" })).toBeNull();
        expect(proposalFromFrontmatter("memem/proposals/k.md", { ...fm, proposal: "delete" })).toBeNull();
        expect(proposalFromFrontmatter("memem/proposals/k.md", { ...fm, key: " " })).toBeNull();
        expect(proposalFromFrontmatter("memem/memories/k.md", fm)).toBeNull();
        expect(proposalFromFrontmatter("memem/proposals/k.md", null)).toBeNull();
        expect(proposalFromFrontmatter("memem/proposals/k.md", { proposal: "stale", key: "s", targets: "[[One]]" })?.targets).toEqual(["One"]);
        expect(isProposalPath("memem/proposals/x.MD")).toBe(true);
        expect(isProposalPath("memem/proposals-old/x.md")).toBe(false);
    });
});

describe("the review pane's proposals", () => {
    let loaded: Loaded;
    const decisions: Record<string, unknown>[] = [];
    const decide = (body: Record<string, unknown>) => {
        decisions.push(body);
        const path = body.key === "merge-3f2a9c1b01" ? MERGE : STALE;
        const file = loaded.app.vault.getFileByPath(path)!;
        // As the daemon does: the decision is written into the proposal's note.
        void loaded.app.vault.modify(file, loaded.storage.files[path].replace("status: open", `status: ${body.decision}ed`));
        return {};
    };

    it("come first, with what accepting does and the evidence, and leave with one key", async () => {
        decisions.splice(0);
        loaded = await loadPlugin({ files: FILES, daemon: { "/v1/op/proposal_decide": decide } });
        const pane = await openPane(loaded.plugin, REVIEW_VIEW);
        expect(texts(pane, ".memem-proposals h5")).toEqual(["Proposals (2)"]);
        expect(texts(pane, ".memem-proposal .memem-card-title")).toEqual([
            "Fold one note into “Use uv for Python installs”",
            "Retire “Old FTP deploys”, which nothing recalls",
        ]);
        expect(texts(pane, ".memem-proposal .memem-card-meta")[0]).toBe("2 notes say the same thing in other words (cosine up to 0.94)");

        const first = pane.querySelector<HTMLElement>(`.memem-proposal[data-path="${MERGE}"]`)!;
        first.focus();
        first.dispatchEvent(new KeyboardEvent("keydown", { key: "a", bubbles: true, cancelable: true }));
        await settle();
        expect(decisions).toEqual([{ key: "merge-3f2a9c1b01", decision: "accept" }]);
        expect(texts(pane, ".memem-proposal .memem-card-title")).toEqual(["Retire “Old FTP deploys”, which nothing recalls"]);
        expect((document.activeElement as HTMLElement).dataset.path).toBe(STALE); // focus moved to the next one
        // The key reached the proposal only: no memory was approved by it.
        expect(loaded.storage.files[NEWER]).not.toContain("reviewed:");

        document.activeElement!.dispatchEvent(new KeyboardEvent("keydown", { key: "x", bubbles: true, cancelable: true }));
        await settle();
        expect(decisions.at(-1)).toEqual({ key: "stale-0a1b2c3d4e", decision: "reject" });
        expect(pane.querySelector(".memem-proposals")!.children.length).toBe(0);
    });

    it("stays when the daemon refuses, and says why", async () => {
        loaded = await loadPlugin({
            files: FILES,
            daemon: {
                "/v1/op/proposal_decide": () => {
                    throw new HttpError(409, "cannot undo: a note was edited since");
                },
            },
        });
        const pane = await openPane(loaded.plugin, REVIEW_VIEW);
        const accept = [...pane.querySelectorAll<HTMLButtonElement>(".memem-proposal button")].find((b) => b.textContent === "Accept")!;
        accept.click();
        await settle();
        expect(notices.at(-1)).toBe("memem: cannot undo: a note was edited since");
        expect(texts(pane, ".memem-proposal .memem-card-title")).toHaveLength(2);
        // A refusal is an answer: the same choice is offered again, not "Check again".
        expect(texts(pane.querySelector(`.memem-proposal[data-key="merge-3f2a9c1b01"]`)!, "button")).toEqual(["Accept", "Reject"]);
    });
});

describe("a decision the daemon does not answer in time", () => {
    const UNKNOWN = "memem: the daemon did not answer within 60 s, so the outcome is unknown: it may still be carried out; check again before retrying";
    const card = (pane: HTMLElement, key: string) => pane.querySelector<HTMLElement>(`.memem-proposal[data-key="${key}"]`);

    async function timedOut(open: () => unknown) {
        const decisions: Record<string, unknown>[] = [];
        const loaded = await loadPlugin({
            files: FILES,
            daemon: {
                "/v1/op/proposal_decide": (body) => (decisions.push(body), new Promise(() => undefined)),
                "/v1/op/proposals": open,
            },
        });
        const pane = await openPane(loaded.plugin, REVIEW_VIEW);
        const before = notices.length;
        card(pane, "merge-3f2a9c1b01")!.dispatchEvent(new KeyboardEvent("keydown", { key: "a", bubbles: true, cancelable: true }));
        await settle(5_000); // a read would have given up by now; a change is given a minute
        expect(card(pane, "merge-3f2a9c1b01")).toBeNull();
        expect(notices.slice(before)).toEqual([]);
        await settle(55_000);
        return { loaded, pane, decisions };
    }

    it("is not offered again: the card says the outcome is unknown, and Check again asks the daemon", async () => {
        const { pane, decisions } = await timedOut(() => []);
        expect(notices.at(-1)).toBe(UNKNOWN);
        const unsure = card(pane, "merge-3f2a9c1b01")!;
        expect(texts(unsure, ".memem-note")).toEqual([UNSURE]);
        expect(UNSURE).toBe("memem's daemon did not answer in time: this may have been carried out. Check again before deciding.");
        expect(texts(unsure, "button")).toEqual(["Check again"]);
        const check = unsure.querySelector("button")!;
        expect([check.getAttribute("aria-label"), check.classList.contains("mod-cta")]).toEqual(["Ask memem's daemon whether this proposal is still open", true]);
        expect(check.parentElement!.className).toBe("memem-actions");
        unsure.dispatchEvent(new KeyboardEvent("keydown", { key: "a", bubbles: true, cancelable: true }));
        await settle();
        expect(decisions).toHaveLength(1); // no second Accept from the keyboard either
        unsure.querySelector("button")!.click();
        await settle();
        // The daemon has no such proposal open any more: it was decided, and the card stays away.
        expect(card(pane, "merge-3f2a9c1b01")).toBeNull();
        expect(texts(pane, ".memem-proposal .memem-card-title")).toEqual(["Retire “Old FTP deploys”, which nothing recalls"]);
    });

    it("is offered again once the daemon says the proposal is still open", async () => {
        const { pane } = await timedOut(() => [{ key: "merge-3f2a9c1b01" }]);
        card(pane, "merge-3f2a9c1b01")!.querySelector("button")!.click();
        await settle();
        expect(texts(card(pane, "merge-3f2a9c1b01")!, "button")).toEqual(["Accept", "Reject"]);
        expect(pane.querySelector(".memem-proposal .memem-note")).toBeNull();
    });

    it("is drawn from its note again once the note changes", async () => {
        const { loaded, pane } = await timedOut(() => []);
        const file = loaded.app.vault.getFileByPath(MERGE)!;
        await loaded.app.vault.modify(file, loaded.storage.files[MERGE].replace("evidence: ", "note: edited\nevidence: "));
        await settle();
        expect(texts(card(pane, "merge-3f2a9c1b01")!, "button")).toEqual(["Accept", "Reject"]);
    });

    it("that fails to be checked says why and keeps the card as it was", async () => {
        const { pane } = await timedOut(() => {
            throw new HttpError(500, "the index is rebuilding");
        });
        card(pane, "merge-3f2a9c1b01")!.querySelector("button")!.click();
        await settle();
        expect(notices.at(-1)).toBe("memem: the index is rebuilding");
        expect(texts(card(pane, "merge-3f2a9c1b01")!, "button")).toEqual(["Check again"]);
    });
});

describe("a proposal to settle by hand", () => {
    const LOOP = "memem/proposals/review-0c0ffee123.md";
    it("can only be dismissed: no Accept button, and `a` does nothing", async () => {
        const decisions: Record<string, unknown>[] = [];
        const loaded = await loadPlugin({
            files: { [LOOP]: proposalNote("review-0c0ffee123", "review", ["Node 18", "Node 20"], "each says it replaces the other") },
            daemon: { "/v1/op/proposal_decide": (body) => (decisions.push(body), {}) },
        });
        const pane = await openPane(loaded.plugin, REVIEW_VIEW);
        expect(texts(pane, ".memem-proposal .memem-card-title")).toEqual(["Settle by hand: “Node 18”, “Node 20”"]);
        expect(texts(pane, ".memem-proposal button")).toEqual(["Dismiss"]);
        const card = pane.querySelector<HTMLElement>(`.memem-proposal[data-path="${LOOP}"]`)!;
        card.focus();
        card.dispatchEvent(new KeyboardEvent("keydown", { key: "a", bubbles: true, cancelable: true }));
        await settle();
        expect(decisions).toEqual([]);
        card.dispatchEvent(new KeyboardEvent("keydown", { key: "x", bubbles: true, cancelable: true }));
        await settle();
        expect(decisions).toEqual([{ key: "review-0c0ffee123", decision: "reject" }]);
    });
});

describe("memem's event log", () => {
    it("hears of each review decision, so `memem undo` can revert it", async () => {
        const logged: Record<string, unknown>[] = [];
        const loaded = await loadPlugin({ daemon: { "/v1/op/log_edits": (body) => (logged.push(body), { logged: 1 }) } });
        const memory = loaded.plugin.actions.memoryAt(NEWER)!;
        await loaded.plugin.actions.approve(memory);
        await settle();
        expect(logged).toHaveLength(1);
        const [entry] = logged as { summary: string; touched: { path: string; before: string; after: string }[] }[];
        expect(entry.summary).toBe("Approved “Tests run without -x”");
        expect(entry.touched[0].path).toBe(NEWER);
        expect(entry.touched[0].after).toContain("reviewed:");
        expect(entry.touched[0].before).not.toContain("reviewed:");
    });

    it("refusing an entry leaves the action done, and the person is told `memem undo` will not undo it, and why", async () => {
        const loaded = await loadPlugin({
            daemon: {
                "/v1/op/log_edits": () => {
                    throw new HttpError(400, "edits not logged: the text of 'Tests run without -x' reads as instructions to the model");
                },
            },
        });
        await loaded.plugin.actions.approve(loaded.plugin.actions.memoryAt(NEWER)!);
        await settle();
        expect(loaded.storage.files[NEWER]).toContain("reviewed:");
        expect(notices.slice(-2)).toEqual([
            "memem: Approved “Tests run without -x”",
            "memem: Approved “Tests run without -x” in the vault, but memem's history did not record it (edits not logged: the text of " +
                "'Tests run without -x' reads as instructions to the model), so `memem undo` will not undo it (it would undo an earlier " +
                "change). The Undo button or “Undo the last memory action” here still can.",
        ]);
    });

    it("a daemon that does not answer in time is said to leave the history unsure", async () => {
        const loaded = await loadPlugin({ daemon: { "/v1/op/log_edits": () => new Promise(() => undefined) } });
        await loaded.plugin.actions.approve(loaded.plugin.actions.memoryAt(NEWER)!);
        await settle(59_000);
        expect(notices.at(-1)).toBe("memem: Approved “Tests run without -x”");
        await settle(1_000);
        expect(notices.at(-1)).toBe(
            "memem: Approved “Tests run without -x” in the vault; memem's daemon did not answer in time, so its history may or may not hold it. " +
                "Check `memem history` before `memem undo`: that undoes the newest change the history holds.",
        );
    });

    it("a daemon that is down is said too, and the action stands", async () => {
        const loaded = await loadPlugin();
        await loaded.plugin.actions.approve(loaded.plugin.actions.memoryAt(NEWER)!);
        await settle();
        expect(loaded.storage.files[NEWER]).toContain("reviewed:");
        expect(notices.at(-1)).toMatch(/^memem: Approved “Tests run without -x” in the vault, but memem's history did not record it \(memem's daemon does not answer at http:\/\/127\.0\.0\.1:7 \(its daemon\.json is stale\)\), so `memem undo` will not undo it/);
    });
});

describe("reading a proposal's properties", () => {
    const base = { proposal: "merge", key: " k1 ", status: "open", ids: ["a", "b"], targets: ["[[A]]", "", "[[B]]"], reason: "near-duplicate", evidence: "close" };
    it("keeps what it can use and drops the rest", () => {
        const p = proposalFromFrontmatter("memem/proposals/k1.md", base)!;
        expect([p.key, p.reason, p.evidence, p.targets, p.ids]).toEqual(["k1", "near-duplicate", "close", ["A", "B"], ["a", "b"]]);
        const odd = proposalFromFrontmatter("memem/proposals/k1.md", { ...base, reason: 3, evidence: ["x"], ids: 7, targets: null })!;
        expect([odd.reason, odd.evidence, odd.ids, odd.targets]).toEqual(["", "", ["7"], []]);
        expect(proposalFromFrontmatter("memem/proposals/k1.md", { ...base, key: 12 })).toBeNull();
        expect(proposalFromFrontmatter("memem/proposals/k1.md", { ...base, status: undefined })?.key).toBe("k1"); // open by default
        expect(isProposalPath("memem/proposalsx.md")).toBe(false);
    });
});

describe("the proposal cards' controls", () => {
    it("offer Accept as the primary action and Reject beside it; only a, x and Delete on the card act", async () => {
        const decided: Record<string, unknown>[] = [];
        const loaded = await loadPlugin({ files: FILES, daemon: { "/v1/op/proposal_decide": (body) => (decided.push(body), {}) } });
        const pane = await openPane(loaded.plugin, REVIEW_VIEW);
        const card = pane.querySelector<HTMLElement>(`.memem-proposal[data-key="stale-0a1b2c3d4e"]`)!;
        const [accept, reject] = [...card.querySelectorAll<HTMLButtonElement>("button")];
        expect([accept.textContent, accept.classList.contains("mod-cta"), reject.textContent, reject.classList.contains("mod-cta")]).toEqual([
            "Accept",
            true,
            "Reject",
            false,
        ]);
        expect(accept.getAttribute("aria-label")).toContain("(a)");
        expect(reject.getAttribute("aria-label")).toContain("(x)");
        card.dispatchEvent(new KeyboardEvent("keydown", { key: "q", bubbles: true, cancelable: true }));
        reject.dispatchEvent(new KeyboardEvent("keydown", { key: "a", bubbles: true, cancelable: true })); // a key on a button is the button's
        await settle();
        expect(decided).toEqual([]);
        card.dispatchEvent(new KeyboardEvent("keydown", { key: "Delete", bubbles: true, cancelable: true }));
        await settle();
        expect(decided).toEqual([{ key: "stale-0a1b2c3d4e", decision: "reject" }]);
        reject.click(); // the card is gone; a click on its old button decides nothing twice
        await settle();
        const merge = pane.querySelector<HTMLElement>(`.memem-proposal[data-key="merge-3f2a9c1b01"]`)!;
        [...merge.querySelectorAll<HTMLButtonElement>("button")][1].click();
        await settle();
        expect(decided.at(-1)).toEqual({ key: "merge-3f2a9c1b01", decision: "reject" });
    });

    it("hides a card while the daemon decides", async () => {
        let release: () => void = () => undefined;
        const loaded = await loadPlugin({
            files: FILES,
            daemon: { "/v1/op/proposal_decide": () => new Promise((resolve) => (release = () => resolve({}))) },
        });
        const pane = await openPane(loaded.plugin, REVIEW_VIEW);
        const card = pane.querySelector<HTMLElement>(`.memem-proposal[data-key="merge-3f2a9c1b01"]`)!;
        card.dispatchEvent(new KeyboardEvent("keydown", { key: "a", bubbles: true, cancelable: true }));
        await settle();
        expect(texts(pane, ".memem-proposals h5")).toEqual(["Proposals (1)"]);
        release();
        await settle();
    });
});
