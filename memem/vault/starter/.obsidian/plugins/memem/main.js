"use strict";
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

// src/main.ts
var main_exports = {};
__export(main_exports, {
  default: () => MememPlugin,
  notLogged: () => notLogged
});
module.exports = __toCommonJS(main_exports);
var import_obsidian9 = require("obsidian");

// src/memory/links.ts
var LINK_KINDS = ["related", "supports", "depends_on", "supersedes", "contradicts", "consistent_with"];
function linkTarget(value) {
  if (typeof value !== "string") return null;
  let text3 = value.trim();
  if (text3.startsWith("!")) text3 = text3.slice(1);
  if (text3.startsWith("[[") && text3.endsWith("]]")) text3 = text3.slice(2, -2);
  text3 = text3.split("|")[0].split("#")[0].trim();
  if (text3.toLowerCase().endsWith(".md")) text3 = text3.slice(0, -3);
  return text3 || null;
}
function wikilink(linktext) {
  return `[[${linktext}]]`;
}
function linkValues(fm, kind) {
  const value = fm[kind];
  if (value === void 0 || value === null || value === "") return [];
  return Array.isArray(value) ? [...value] : [value];
}
function addLink(fm, kind, linktext) {
  const values = linkValues(fm, kind);
  const wanted = linktext.toLowerCase();
  if (values.some((v) => linkTarget(v)?.toLowerCase() === wanted)) return;
  fm[kind] = [...values, wikilink(linktext)];
}
function removeLinks(fm, kind, points) {
  const values = linkValues(fm, kind);
  const kept = values.filter((v) => {
    const target = linkTarget(v);
    return target === null || !points(target);
  });
  const removed = values.length - kept.length;
  if (removed === 0) return 0;
  if (kept.length === 0) delete fm[kind];
  else fm[kind] = kept;
  return removed;
}

// src/memory/curation.ts
var byName = (target) => target.name;
var Curator = class {
  constructor(memories, today2, linktext = byName) {
    this.memories = memories;
    this.today = today2;
    this.linktext = linktext;
  }
  approve(memory) {
    const today2 = this.today;
    return {
      summary: `Approved \u201C${memory.title}\u201D`,
      edits: [{ path: memory.path, apply: (fm) => void (fm.reviewed = today2) }]
    };
  }
  /** `status: deprecated`, `valid_to` today (kept as they are when it already is deprecated); a
   *  successor, when given, gets `supersedes` to it. */
  deprecate(memory, successor, reason2) {
    if (successor && successor.path === memory.path) throw new Error("A memory cannot supersede itself.");
    const today2 = this.today;
    const edits = [{ path: memory.path, apply: (fm) => retire(fm, today2, reason2) }];
    if (successor) {
      const link = this.linktext(memory, successor.path);
      edits.push({ path: successor.path, apply: (fm) => addLink(fm, "supersedes", link) });
    }
    const tail = successor ? `, superseded by \u201C${successor.title}\u201D` : "";
    return { summary: `Deprecated \u201C${memory.title}\u201D${tail}`, edits };
  }
  /** Resolve a contradiction for `winner`: the loser is deprecated and superseded, the tension cleared. */
  keep(winner, loser) {
    const today2 = this.today;
    const loserLink = this.linktext(loser, winner.path);
    return {
      summary: `Kept \u201C${winner.title}\u201D; \u201C${loser.title}\u201D deprecated`,
      edits: [
        {
          path: loser.path,
          apply: (fm) => {
            this.forget(fm, loser, winner);
            retire(fm, today2, `contradicted by ${winner.id}`);
          }
        },
        {
          path: winner.path,
          apply: (fm) => {
            this.forget(fm, winner, loser);
            addLink(fm, "supersedes", loserLink);
            fm.reviewed = today2;
          }
        }
      ]
    };
  }
  /**
   * Both hold (different contexts, say): the `contradicts` edge goes and `consistent_with` records the
   * decision both ways, so neither the audit nor the miner flags the pair again.
   */
  keepBoth(a, b) {
    const today2 = this.today;
    const toB = this.linktext(b, a.path);
    const toA = this.linktext(a, b.path);
    return {
      summary: `Kept both \u201C${a.title}\u201D and \u201C${b.title}\u201D`,
      edits: [
        {
          path: a.path,
          apply: (fm) => {
            this.forget(fm, a, b);
            addLink(fm, "consistent_with", toB);
            fm.reviewed = today2;
          }
        },
        {
          path: b.path,
          apply: (fm) => {
            this.forget(fm, b, a);
            addLink(fm, "consistent_with", toA);
            fm.reviewed = today2;
          }
        }
      ]
    };
  }
  /**
   * A new note in the originals' folder that supersedes both; the two are deprecated. It holds both
   * bodies until the person edits them into one, so it starts unreviewed and waits in the review queue.
   */
  merge(a, b, bodies, id, rootFolder) {
    const today2 = this.today;
    const shared = parentFolder(a.path);
    const folder = shared && shared === parentFolder(b.path) ? shared : rootFolder;
    const title = `${a.title} (merged)`;
    const tags = [.../* @__PURE__ */ new Set([...a.tags, ...b.tags])];
    const frontmatter = {
      id,
      title,
      ...a.project && a.project === b.project ? { project: a.project } : {},
      layer: Math.min(a.layer ?? 2, b.layer ?? 2),
      kind: a.kind ?? b.kind ?? "fact",
      ...tags.length ? { tags } : {},
      status: "active",
      created: today2,
      source_type: "user",
      supersedes: [wikilink(this.linktext(a, `${folder}/${title}.md`)), wikilink(this.linktext(b, `${folder}/${title}.md`))]
    };
    const body = `${stripFrontmatter(bodies.a).trim()}

${stripFrontmatter(bodies.b).trim()}
`;
    const retireFor = (self, other) => ({
      path: self.path,
      apply: (fm) => {
        this.forget(fm, self, other);
        retire(fm, today2, `merged into ${id}`);
      }
    });
    return {
      summary: `Merged \u201C${a.title}\u201D and \u201C${b.title}\u201D into a new note`,
      edits: [retireFor(a, b), retireFor(b, a)],
      create: { folder, title, frontmatter, body }
    };
  }
  /** Drop `self`'s `contradicts` links that reach `other`. */
  forget(fm, self, other) {
    removeLinks(fm, "contradicts", (linkpath) => this.memories.reaches(self, linkpath, other));
  }
};
function retire(fm, today2, reason2) {
  if (fm.status !== "deprecated") {
    fm.status = "deprecated";
    fm.valid_to = today2;
  }
  if (reason2 && !fm.deprecated_reason) fm.deprecated_reason = reason2;
}
function parentFolder(path) {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}
var FRONTMATTER = /^---\r?\n(?:([\s\S]*?)\r?\n)??---[ \t]*(?:\r?\n|$)/;
function splitNote(text3) {
  const match = FRONTMATTER.exec(text3);
  return match ? { yaml: match[1] ?? "", body: text3.slice(match[0].length) } : { yaml: null, body: text3 };
}
function stripFrontmatter(text3) {
  return splitNote(text3).body;
}

// src/memory/snippet.ts
function snippet(text3, max = 160) {
  const body = stripFrontmatter(text3);
  const paragraph = body.split(/\r?\n\s*\r?\n/).map((p) => p.trim()).find((p) => p && !/^#{1,6}\s/.test(p)) ?? "";
  const plain = paragraph.replace(/!?\[\[([^\]|#]+)(?:#[^\]|]*)?(?:\|([^\]]+))?\]\]/g, (_m, target, alias) => alias ?? target).replace(/\[([^\]]+)\]\([^)]*\)/g, "$1").replace(/[*_`>]/g, "").replace(/\s+/g, " ").trim();
  return clip(plain, max);
}
function clip(text3, max) {
  return text3.length <= max ? text3 : `${cut(text3, max - 1).trimEnd()}\u2026`;
}
function cut(text3, max) {
  const last = text3.charCodeAt(max - 1);
  return text3.slice(0, last >= 55296 && last <= 56319 ? max - 1 : max);
}

// src/daemon/shapes.ts
var named = (at) => at || "the answer";
var text = (value, at) => typeof value === "string" ? null : `${named(at)} is not text`;
var count = (value, at) => typeof value === "number" && Number.isFinite(value) ? null : `${named(at)} is not a number`;
var flag = (value, at) => typeof value === "boolean" ? null : `${named(at)} is not true or false`;
var anything = () => null;
function oneOf(...allowed) {
  return (value, at) => typeof value === "string" && allowed.includes(value) ? null : `${named(at)} is not one of ${allowed.join(", ")}`;
}
function optional(shape) {
  return (value, at) => value === void 0 || value === null ? null : shape(value, at);
}
function listOf(item) {
  return (value, at) => {
    if (!Array.isArray(value)) return `${named(at)} is not a list`;
    for (const [i, entry] of value.entries()) {
      const problem = item(entry, `${at}[${i}]`);
      if (problem) return problem;
    }
    return null;
  };
}
function object(fields) {
  return (value, at) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return `${named(at)} is not an object`;
    for (const [name, field] of Object.entries(fields)) {
      const problem = field(value[name], at ? `${at}.${name}` : name);
      if (problem) return problem;
    }
    return null;
  };
}
var STATUS = object({
  notes: count,
  vectors: count,
  stale_vectors: count,
  bad_notes: listOf(anything),
  embedder: text,
  daemon: object({ pid: count, phase: text, pending_events: count })
});
var SEARCH = object({
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
      why: listOf(text)
    })
  )
});
var NEIGHBORS = object({
  edges: listOf(
    object({
      direction: oneOf("in", "out"),
      kind: text,
      link: text,
      dangling: flag,
      id: optional(text),
      title: optional(text),
      status: optional(text)
    })
  )
});
var AUDIT = object({ contradictions: listOf(listOf(object({ id: text, title: text }))) });
var PROPOSAL = object({
  team: text,
  branch: text,
  commit: text,
  pushed: flag,
  proposed: listOf(object({ id: text, path: text })),
  refused: listOf(object({ id: text, reason: text }))
});
var RECORD = object({ id: text, shown: count, used: count, ignored: count, contradicted: count, flagged: flag });
var OPEN_PROPOSALS = listOf(object({ key: text }));

// src/daemon/client.ts
var DaemonUnavailable = class extends Error {
};
var DaemonTimeout = class extends DaemonUnavailable {
};
var OutcomeUnknown = class extends Error {
};
var TRANSPORT_TIMEOUT_MS = 5e3;
var CHANGE_TIMEOUT_MS = 6e4;
var PUSH_TIMEOUT_MS = 18e4;
function withTimeout(transport, ms = TRANSPORT_TIMEOUT_MS) {
  return ({ timeout, ...request }) => new Promise((resolve, reject) => {
    const limit = timeout ?? ms;
    const timer = window.setTimeout(() => reject(new DaemonTimeout(`memem's daemon did not answer within ${limit / 1e3} s`)), limit);
    transport(request).then(
      (answer) => {
        window.clearTimeout(timer);
        resolve(answer);
      },
      (error) => {
        window.clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    );
  });
}
function requestTo(endpoint, method, path, payload) {
  const headers = { "Content-Type": "application/json" };
  if (endpoint.token !== void 0) headers.Authorization = `Bearer ${endpoint.token}`;
  return {
    url: endpoint.url.replace(/\/$/, "") + path,
    method,
    headers,
    body: payload === void 0 ? void 0 : JSON.stringify(payload)
  };
}
function proposalNotice(result) {
  const count2 = result.proposed.length;
  const what = `Proposed ${count2} ${count2 === 1 ? "memory" : "memories"} to the team ${result.team}`;
  const where = result.pushed ? `on branch ${result.branch}: open a pull request for it` : `on branch ${result.branch} (not pushed: the team vault has no remote)`;
  const left = result.refused.map((r) => `${r.id} left out: ${r.reason}`).join("; ");
  return `${what} ${where}.${left ? ` ${left}.` : ""}`;
}
var SIMILAR_FLOOR = 0.2;
var DaemonClient = class {
  constructor(endpoint, transport, lost = () => void 0) {
    this.endpoint = endpoint;
    this.transport = transport;
    this.lost = lost;
  }
  async status() {
    return await this.request("GET", "/v1/status", STATUS);
  }
  /** Notes that say something close to `text`, from the daemon's hybrid search (vectors + full text).
   *  Without the cross-encoder: it judges whether a note answers a question, and a whole note is no
   *  question; likeness is what the first stage measures. */
  async similar(text3, project, exclude, limit = 8) {
    const data = await this.request("POST", "/v1/search", SEARCH, {
      query: cut(text3, 2e3),
      ...project ? { project } : {},
      limit: limit + 1,
      rerank: false
    });
    const top = Math.max(0, ...data.results.map((hit) => hit.score));
    return data.results.filter((hit) => hit.id !== exclude && hit.score >= SIMILAR_FLOOR * top).slice(0, limit).map((hit) => ({ ...hit, share: top > 0 ? hit.score / top : 0 }));
  }
  async neighbors(id) {
    const data = await this.request("POST", "/v1/op/neighbors", NEIGHBORS, { id });
    return data.edges;
  }
  async contradictions() {
    const data = await this.request("POST", "/v1/op/graph_audit", AUDIT, {});
    return data.contradictions;
  }
  /** Propose memories to a team vault: a screened branch of the team's repository, for review. */
  async propose(ids, team) {
    const payload = { ids, ...team ? { team } : {} };
    return await this.request("POST", "/v1/op/team_propose", PROPOSAL, payload, PUSH_TIMEOUT_MS);
  }
  /** A memory's record in the usefulness ledger (how often recall showed it, and what came of it). */
  async record(id) {
    return await this.request("POST", "/v1/op/record", RECORD, { id });
  }
  /** Hand a curation action's edits to memem's event log (the daemon checks each path is a memory). */
  async logEdits(entry) {
    await this.request("POST", "/v1/op/log_edits", anything, { summary: entry.summary, touched: entry.touched }, CHANGE_TIMEOUT_MS);
  }
  /** Accept or reject a consolidation proposal: the daemon carries it out (and logs it for undo). */
  async decide(key, decision) {
    await this.request("POST", "/v1/op/proposal_decide", anything, { key, decision }, CHANGE_TIMEOUT_MS);
  }
  /** The keys of consolidation's proposals still open, as the daemon sees them now. */
  async openProposals() {
    const open = await this.request("POST", "/v1/op/proposals", OPEN_PROPOSALS, {});
    return open.map((proposal) => proposal.key);
  }
  /**
   * The answer to one call, once it has the shape the caller reads (`shape`). A call that changes
   * something passes `change`, its time bound: a change that runs out of it fails with OutcomeUnknown,
   * not as a daemon that is not there, since it may have been carried out.
   */
  async request(method, path, shape, payload, change) {
    const endpoint = await this.endpoint();
    if (!endpoint) throw new DaemonUnavailable("memem's daemon is not running for this vault");
    let response;
    try {
      response = await this.transport({ ...requestTo(endpoint, method, path, payload), ...change ? { timeout: change } : {} });
    } catch (error) {
      this.lost();
      if (change && error instanceof DaemonTimeout) {
        throw new OutcomeUnknown(
          `memem: the daemon did not answer within ${change / 1e3} s, so the outcome is unknown: it may still be carried out; check again before retrying`
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
      const error = response.json?.error;
      const message = typeof error === "string" ? error : `HTTP ${response.status}`;
      throw new Error(`memem: ${message}`);
    }
    const problem = shape(response.json, "");
    if (problem) {
      this.lost();
      throw new Error(`memem: the daemon's answer to ${path} cannot be read (${problem}); are memem and the plugin the same version?`);
    }
    return response.json;
  }
};

// src/daemon/discovery.ts
var join = (...parts) => parts.join("/").replace(/\/+/g, "/");
async function discoverDaemon(options, files) {
  const token = options.token?.trim() || (await files.readText(join(options.memDir, "token")))?.trim();
  if (!token) return null;
  if (options.address?.trim()) return { url: options.address.trim(), token };
  const vault = await files.realpath(options.vaultPath);
  for (const dir of await files.listDirs(join(options.memDir, "vaults"))) {
    const raw = await files.readText(join(options.memDir, "vaults", dir, "daemon.json"));
    if (!raw) continue;
    try {
      const info = JSON.parse(raw);
      if (info.vault === vault || info.vault === options.vaultPath) {
        return { url: `http://${info.host}:${info.port}`, token, pid: info.pid };
      }
    } catch {
    }
  }
  return null;
}

// src/settings.ts
var DEFAULT_SETTINGS = Object.freeze({
  memoriesFolder: "memem/memories",
  memDir: "",
  daemonAddress: "",
  daemonToken: "",
  statusSeconds: 15
});
var DEVICE_KEYS = ["memDir", "daemonAddress", "daemonToken"];
function splitSettings(settings) {
  const synced = { ...settings };
  const device = {};
  for (const key of DEVICE_KEYS) {
    device[key] = settings[key];
    delete synced[key];
  }
  return { synced, device };
}
function mergeSettings(saved) {
  const merged = { ...DEFAULT_SETTINGS };
  if (saved && typeof saved === "object") {
    const data = saved;
    for (const key of Object.keys(DEFAULT_SETTINGS)) {
      const value = data[key];
      if (typeof value === typeof DEFAULT_SETTINGS[key]) merged[key] = value;
    }
  }
  merged.memoriesFolder = normalizeFolder(merged.memoriesFolder) || DEFAULT_SETTINGS.memoriesFolder;
  merged.statusSeconds = Math.max(2, Math.min(3600, Math.round(merged.statusSeconds)));
  return merged;
}
function normalizeFolder(folder) {
  return folder.trim().replace(/\\/g, "/").replace(/\/+/g, "/").replace(/^\/|\/$/g, "");
}
function checkAddress(address) {
  if (!address.trim()) return null;
  try {
    const url = new URL(address.trim());
    if (url.protocol !== "http:") return "The address must start with http://";
    if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
      return "memem's daemon listens on loopback only (127.0.0.1 or localhost)";
    }
    return null;
  } catch {
    return "Not an address; for example http://127.0.0.1:54321";
  }
}

// src/daemon/locate.ts
var TRUST_MS = 3e4;
var DaemonLocator = class {
  constructor(options, files, transport, now = () => Date.now()) {
    this.options = options;
    this.files = files;
    this.transport = transport;
    this.now = now;
  }
  /** The daemon to talk to, or DaemonUnavailable saying why there is none. */
  async endpoint() {
    let found;
    try {
      found = await this.find();
    } catch (error) {
      this.trusted = void 0;
      throw error;
    }
    if (this.stillTrusted(found)) return this.trusted.endpoint;
    this.trusted = void 0;
    await this.checkAlive(found.url, found.pid);
    const endpoint = { url: found.url, token: found.token };
    if (found.pid !== void 0) this.trusted = { found, endpoint, until: this.now() + TRUST_MS };
    return endpoint;
  }
  forget() {
    this.trusted = void 0;
  }
  /**
   * Whether the endpoint checked a moment ago may be used again without asking health. Trigger: each
   * call within TRUST_MS of that check. Why not on time alone: a daemon that stops removes its
   * daemon.json and leaves its port to whichever process binds it next, maybe within a second, and a
   * crashed one leaves daemon.json naming a pid that no longer runs. Only a daemon.json that still
   * names the same address, token and pid, of a process that still runs, keeps the trust; the rest is
   * checked afresh, so the token never reaches a process that took the port.
   */
  stillTrusted(found) {
    const trusted = this.trusted;
    if (!trusted || trusted.until <= this.now() || found.pid === void 0) return false;
    const was = trusted.found;
    const same = found.url === was.url && found.token === was.token && found.pid === was.pid;
    return same && this.files?.alive?.(found.pid) !== false;
  }
  /** Where discovery says the daemon is now (daemon.json, or the settings), refused unless it is on loopback. */
  async find() {
    const options = this.options();
    const address = options?.address?.trim();
    if (address) {
      const problem2 = checkAddress(address);
      if (problem2) throw new DaemonUnavailable(`memem: the daemon address in settings is refused: ${problem2}`);
    }
    const found = options ? await discoverDaemon(options, this.files ?? noFiles) : null;
    if (!found) throw new DaemonUnavailable("memem's daemon is not running for this vault");
    const problem = checkAddress(found.url);
    if (problem) throw new DaemonUnavailable(`memem: ${found.url} is not on this machine; the token is not sent there`);
    return found;
  }
  /** That memem's daemon answers at `url`, and is the one with `pid` when daemon.json named one. Given
   *  the address alone: the token is not sent until this has passed. */
  async checkAlive(url, pid) {
    let answer;
    try {
      answer = await this.transport(requestTo({ url }, "GET", "/v1/health"));
    } catch {
      throw new DaemonUnavailable(`memem's daemon does not answer at ${url} (its daemon.json is stale)`);
    }
    const health = answer.json;
    if (answer.status !== 200 || !health?.ok) {
      throw new DaemonUnavailable(`memem: ${url} is not memem's daemon for this vault (HTTP ${answer.status})`);
    }
    if (pid !== void 0 && health.pid !== pid) {
      throw new DaemonUnavailable(`memem: the daemon that wrote daemon.json (pid ${pid}) is gone; another process answers there`);
    }
  }
};
var noFiles = {
  readText: async () => null,
  listDirs: async () => [],
  realpath: async (path) => path
};

// src/memory/memory.ts
function dateText(value) {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
  if (typeof value === "string" && value.trim()) return value.trim();
  if (typeof value === "number") return String(value);
  return void 0;
}
function text2(value) {
  if (typeof value === "string" && value.trim()) return value.trim();
  if (typeof value === "number") return String(value);
  return void 0;
}
var TEAMS_FOLDER = "memem/teams";
var TEAM_NOTE = /^memem\/teams\/([A-Za-z0-9_][A-Za-z0-9_-]{0,39})\/memories\/.+\.md$/i;
function teamOf(path) {
  return TEAM_NOTE.exec(path)?.[1];
}
function basename(path) {
  const file = path.split("/").pop() ?? path;
  return file.toLowerCase().endsWith(".md") ? file.slice(0, -3) : file;
}
function memoryFromFrontmatter(path, fm, mtime = 0) {
  if (!fm) return null;
  const id = text2(fm.id);
  if (!id) return null;
  const links = {};
  for (const kind of LINK_KINDS) {
    links[kind] = linkValues(fm, kind).map(linkTarget).filter((t) => t !== null);
  }
  const layer = typeof fm.layer === "number" ? fm.layer : typeof fm.layer === "string" ? Number.parseInt(fm.layer, 10) : Number.NaN;
  return {
    path,
    name: basename(path),
    id,
    title: text2(fm.title) ?? basename(path),
    project: text2(fm.project),
    kind: text2(fm.kind),
    layer: Number.isFinite(layer) ? layer : void 0,
    tags: (Array.isArray(fm.tags) ? fm.tags : fm.tags ? [fm.tags] : []).map(String).filter(Boolean),
    status: text2(fm.status) ?? "active",
    reviewed: dateText(fm.reviewed),
    created: dateText(fm.created),
    sourceType: text2(fm.source_type),
    sourceSession: text2(fm.source_session),
    reason: text2(fm.contradiction_evidence),
    team: teamOf(path),
    links,
    mtime
  };
}
function isActive(memory) {
  return memory.status !== "deprecated";
}
function today(now = /* @__PURE__ */ new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
function origin(memory) {
  const own = ownOrigin(memory);
  if (!memory.team) return own;
  return own ? `team ${memory.team} \xB7 ${own}` : `team ${memory.team}`;
}
function ownOrigin(memory) {
  const on = memory.created ? ` on ${memory.created}` : "";
  switch (memory.sourceType) {
    case "mined":
      return `learned from a Claude Code session${on}`;
    case "import":
      return `imported${on}`;
    case "user":
      return `saved${on}`;
    default:
      return memory.created ? `written ${memory.created}` : "";
  }
}

// src/obsidian/actions.ts
var import_obsidian2 = require("obsidian");

// src/memory/names.ts
var FORBIDDEN = /[*"\\/<>:|?#^[\]\u0000-\u001f\u007f]/g;
var RESERVED = /* @__PURE__ */ new Set(["CON", "PRN", "AUX", "NUL", ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((i) => [`COM${i}`, `LPT${i}`])]);
var MAX_STEM = 100;
function noteStem(title, fallback = "memory") {
  let text3 = title.normalize("NFC").replace(FORBIDDEN, " ").replace(/\s+/g, " ").trim();
  text3 = text3.replace(/^\.+|\.+$/g, "").trim();
  if (text3.length > MAX_STEM) {
    const head = cut(text3, MAX_STEM);
    const space = head.lastIndexOf(" ");
    text3 = (space >= MAX_STEM / 2 ? head.slice(0, space) : head).replace(/[ .,;-]+$/, "");
  }
  if (!text3 || RESERVED.has(text3.toUpperCase())) text3 = fallback;
  return text3;
}
function numbered(stem, n) {
  return n <= 1 ? stem : `${stem} ${n}`;
}

// src/memory/undo.ts
var UndoJournal = class {
  record(entry) {
    if (entry.touched.some((t) => t.before !== t.after)) this.last = entry;
  }
  /** The action undo would revert, if any. */
  peek() {
    return this.last;
  }
  /** Forget the last action: it cannot be undone safely (see MemoryActions). */
  forget() {
    this.last = void 0;
  }
  async undo(files) {
    const entry = this.last;
    if (!entry) return { undone: false, why: "Nothing to undo." };
    const changed = (path) => ({ undone: false, why: `${path} changed since \u201C${entry.summary}\u201D; nothing was undone.` });
    for (const t of entry.touched) {
      if (await files.read(t.path) !== t.after) return changed(t.path);
    }
    const written = [];
    for (const { path, before, after } of entry.touched) {
      if (before === null || after === null || before === after) continue;
      if (!await files.replace(path, after, before)) {
        for (const done of written.reverse()) await files.replace(done.path, done.before, done.after);
        return changed(path);
      }
      written.push({ path, before, after });
    }
    this.last = void 0;
    for (const t of entry.touched) {
      if (t.before === t.after) continue;
      if (t.before === null) await files.trash(t.path);
      else if (t.after === null) await files.create(t.path, t.before);
    }
    return { undone: true, summary: entry.summary };
  }
};

// src/obsidian/vault-memories.ts
var import_obsidian = require("obsidian");

// src/memory/memory-set.ts
var MemorySet = class {
  constructor(memories, resolver = () => null) {
    this.resolver = resolver;
    this.byPathMap = /* @__PURE__ */ new Map();
    for (const memory of memories) this.byPathMap.set(memory.path, memory);
    this.list = [...this.byPathMap.values()];
  }
  /** Every memory; the same array each call (do not modify it). */
  all() {
    return this.list;
  }
  get size() {
    return this.byPathMap.size;
  }
  byPath(path) {
    return this.byPathMap.get(path);
  }
  byId(id) {
    return this.keys().byId.get(id);
  }
  keys() {
    if (!this.keyed) {
      const byKey = /* @__PURE__ */ new Map();
      const byId = /* @__PURE__ */ new Map();
      for (const memory of this.list) {
        if (!byId.has(memory.id)) byId.set(memory.id, memory);
        for (const key of [memory.name, memory.id, memory.title]) {
          const k = key.toLowerCase();
          if (!byKey.has(k)) byKey.set(k, memory);
        }
      }
      this.keyed = { byKey, byId };
    }
    return this.keyed;
  }
  /** The memory a link in `source` reaches, if it reaches one. */
  resolve(linkpath, source) {
    const path = this.resolver(linkpath, source.path);
    if (path) return this.byPathMap.get(path);
    return this.keys().byKey.get(linkpath.toLowerCase());
  }
  /** Whether a link path written in `source` reaches `target`. */
  reaches(source, linkpath, target) {
    return this.resolve(linkpath, source)?.path === target.path;
  }
  targets(source, kind) {
    return source.links[kind].map((l) => this.resolve(l, source)).filter((m) => m !== void 0);
  }
  /** Memories with a link of this kind to `target`: the other direction of a typed edge. */
  sources(target, kind) {
    return this.all().filter((m) => m.links[kind].some((l) => this.resolve(l, m)?.path === target.path));
  }
  linked(a, b, kind) {
    return a.links[kind].some((l) => this.reaches(a, l, b)) || b.links[kind].some((l) => this.reaches(b, l, a));
  }
  active() {
    return this.all().filter(isActive);
  }
};

// src/memory/memory-index.ts
var MemoryIndex = class {
  constructor(resolver = () => null) {
    this.resolver = resolver;
    this.memories = /* @__PURE__ */ new Map();
    this.listeners = /* @__PURE__ */ new Set();
    this.rev = 0;
  }
  /** Bumped on every change that reached the index; a pane drawn at this revision is up to date. */
  get revision() {
    return this.rev;
  }
  get size() {
    return this.memories.size;
  }
  get(path) {
    return this.memories.get(path);
  }
  /** Replace everything (the first load, or the memories folder moved): one change naming every path. */
  reset(memories) {
    const paths = new Set(this.memories.keys());
    this.memories.clear();
    for (const memory of memories) {
      this.memories.set(memory.path, memory);
      paths.add(memory.path);
    }
    this.changed([...paths]);
  }
  /**
   * A note's current memory (or null: it is not a memory any more). Nothing happens when the memory is
   * what the index holds already, so a body edit in an open note wakes no pane that does not show bodies.
   */
  put(path, memory, bodyChanged = false) {
    const before = this.memories.get(path);
    if (!memory) {
      if (before) {
        this.memories.delete(path);
        this.changed([path]);
      }
      return;
    }
    if (before && !bodyChanged && sameMemory(before, memory)) return;
    this.memories.set(path, memory);
    this.changed([path]);
  }
  delete(path) {
    this.put(path, null);
  }
  /** A note moved: under its new path when it is (still) a memory, gone when it left the folder. */
  rename(oldPath, newPath, memory) {
    const had = this.memories.delete(oldPath);
    if (memory) this.memories.set(newPath, memory);
    if (had || memory) this.changed([oldPath, newPath]);
  }
  /** Something panes show beside the memories changed (a proposal): a revision naming these paths. */
  touch(paths) {
    this.changed(paths);
  }
  /** Every memory with links resolved: the same object until the next change. */
  snapshot() {
    if (this.cached?.revision !== this.rev) {
      this.cached = { revision: this.rev, set: new MemorySet(this.memories.values(), this.resolver) };
    }
    return this.cached.set;
  }
  /** Called after each change; returns the function that unsubscribes. */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  changed(paths) {
    this.rev += 1;
    const change = { revision: this.rev, paths };
    for (const listener of [...this.listeners]) listener(change);
  }
};
function sameMemory(a, b) {
  if (a.mtime !== b.mtime && a.created === void 0) return false;
  const scalar = ["path", "id", "title", "project", "kind", "layer", "status", "reviewed", "created", "sourceType", "sourceSession", "reason"];
  if (scalar.some((key) => a[key] !== b[key])) return false;
  if (a.tags.join("\0") !== b.tags.join("\0")) return false;
  return LINK_KINDS.every((kind) => a.links[kind].join("\0") === b.links[kind].join("\0"));
}

// src/memory/proposals.ts
var PROPOSALS_FOLDER = "memem/proposals";
var KINDS = ["merge", "deprecate", "stale", "review"];
function isProposalPath(path) {
  return path.startsWith(`${PROPOSALS_FOLDER}/`) && path.toLowerCase().endsWith(".md");
}
function strings(value) {
  return (Array.isArray(value) ? value : value == null ? [] : [value]).map(String).filter(Boolean);
}
function proposalFromFrontmatter(path, fm) {
  if (!fm || !isProposalPath(path)) return null;
  const kind = fm.proposal;
  const key = typeof fm.key === "string" ? fm.key.trim() : "";
  if (!KINDS.includes(kind) || !key || (fm.status ?? "open") !== "open") return null;
  return {
    path,
    key,
    kind,
    reason: typeof fm.reason === "string" ? fm.reason : "",
    ids: strings(fm.ids),
    targets: strings(fm.targets).map((t) => linkTarget(t) ?? t),
    evidence: typeof fm.evidence === "string" ? fm.evidence : ""
  };
}
function proposalAction(proposal) {
  const [first, ...rest] = proposal.targets;
  switch (proposal.kind) {
    case "merge":
      return `Fold ${rest.length === 1 ? "one note" : `${rest.length} notes`} into \u201C${first}\u201D`;
    case "deprecate":
      return `Retire \u201C${first}\u201D` + (rest.length ? ` for \u201C${rest[0]}\u201D` : "");
    case "stale":
      return `Retire \u201C${first}\u201D, which nothing recalls`;
    case "review":
      return `Settle by hand: ${proposal.targets.map((t) => `\u201C${t}\u201D`).join(", ")}`;
  }
}

// src/obsidian/vault-memories.ts
var LONGEST = 400;
function inFolder(path, folder) {
  return path.startsWith(`${folder}/`) && path.toLowerCase().endsWith(".md");
}
function isMemoryPath(path, folder) {
  return inFolder(path, folder) || teamOf(path) !== void 0;
}
var VaultMemories = class {
  constructor(app, folder) {
    this.app = app;
    this.folder = folder;
    this.counters = { scans: 0, reads: 0 };
    this.snippets = /* @__PURE__ */ new Map();
    /** Consolidation's open proposals (`memem/proposals/`), kept beside the memories from the same events. */
    this.proposalsByPath = /* @__PURE__ */ new Map();
    this.refs = [];
    this.index = new MemoryIndex((linkpath, source) => app.metadataCache.getFirstLinkpathDest(linkpath, source)?.path ?? null);
  }
  /** Subscribe to Obsidian's events; the caller registers the refs so they go when the plugin unloads. */
  watch() {
    const { metadataCache, vault } = this.app;
    this.refs = [
      metadataCache.on("changed", (file, data, cache) => this.onChanged(file, data, cache)),
      vault.on("delete", (file) => this.onDeleted(file)),
      vault.on("rename", (file, oldPath) => this.onRenamed(file, oldPath))
    ];
    return this.refs;
  }
  /** Read every memory once from the cache: at start, and when the memories folder setting changes. */
  rebuild() {
    this.counters.scans += 1;
    this.snippets.clear();
    const memories = [];
    this.proposalsByPath.clear();
    for (const file of this.app.vault.getMarkdownFiles()) {
      const memory = this.memoryOf(file);
      if (memory) memories.push(memory);
      else this.trackProposal(file.path, this.app.metadataCache.getFileCache(file));
    }
    this.index.reset(memories);
  }
  /** The open proposals, oldest file first (by name: the keys sort stably). */
  proposals() {
    return [...this.proposalsByPath.values()].sort((a, b) => a.path.localeCompare(b.path));
  }
  /** Keep a proposal note's state; true when what a pane would show changed. */
  trackProposal(path, cache) {
    if (!isProposalPath(path)) return false;
    const proposal = proposalFromFrontmatter(path, cache?.frontmatter);
    const had = this.proposalsByPath.has(path);
    if (proposal) this.proposalsByPath.set(path, proposal);
    else this.proposalsByPath.delete(path);
    return had || proposal !== null;
  }
  memories() {
    return this.index.snapshot();
  }
  memoryAt(path) {
    return this.index.get(path);
  }
  /** A note's first paragraph: from the last change event's text, else one cached read per note version. */
  async snippet(memory, max = 160) {
    const file = this.app.vault.getFileByPath(memory.path);
    if (!file) return "";
    let known = this.snippets.get(memory.path);
    if (known?.mtime !== file.stat.mtime) {
      this.counters.reads += 1;
      known = { mtime: file.stat.mtime, text: snippet(await this.app.vault.cachedRead(file), LONGEST) };
      this.snippets.set(memory.path, known);
    }
    return clip(known.text, max);
  }
  memoryOf(file, cache) {
    if (!isMemoryPath(file.path, this.folder())) return null;
    const fm = (cache === void 0 ? this.app.metadataCache.getFileCache(file) : cache)?.frontmatter;
    return memoryFromFrontmatter(file.path, fm, file.stat.mtime);
  }
  onChanged(file, data, cache) {
    if (this.trackProposal(file.path, cache)) this.index.touch([file.path]);
    if (!isMemoryPath(file.path, this.folder())) return;
    const text3 = snippet(data, LONGEST);
    const known = this.snippets.get(file.path);
    const bodyChanged = known !== void 0 && known.text !== text3;
    this.snippets.set(file.path, { mtime: file.stat.mtime, text: text3 });
    this.index.put(file.path, this.memoryOf(file, cache), bodyChanged);
  }
  onDeleted(file) {
    if (this.proposalsByPath.delete(file.path)) this.index.touch([file.path]);
    this.snippets.delete(file.path);
    this.index.delete(file.path);
  }
  onRenamed(file, oldPath) {
    const wasProposal = this.proposalsByPath.delete(oldPath);
    const isProposal = file instanceof import_obsidian.TFile && this.trackProposal(file.path, this.app.metadataCache.getFileCache(file));
    if (wasProposal || isProposal) this.index.touch([oldPath, file.path]);
    const known = this.snippets.get(oldPath);
    this.snippets.delete(oldPath);
    if (known) this.snippets.set(file.path, known);
    const memory = file instanceof import_obsidian.TFile ? this.memoryOf(file) : null;
    if (this.index.get(oldPath) || memory) this.index.rename(oldPath, file.path, memory);
  }
};
function obsidianLinktext(app) {
  return (target, sourcePath) => {
    const file = app.vault.getAbstractFileByPath(target.path);
    return file instanceof import_obsidian.TFile ? app.metadataCache.fileToLinktext(file, sourcePath, true) : target.name;
  };
}
function fileOf(app, path) {
  const file = app.vault.getAbstractFileByPath(path);
  if (!(file instanceof import_obsidian.TFile)) throw new Error(`${path} was moved or deleted; nothing was changed`);
  return file;
}

// src/obsidian/actions.ts
var MemoryActions = class {
  constructor(app, vault, folder, recorded = () => void 0) {
    this.app = app;
    this.vault = vault;
    this.folder = folder;
    this.recorded = recorded;
    this.journal = new UndoJournal();
  }
  memories() {
    return this.vault.memories();
  }
  memoryAt(path) {
    return this.vault.memoryAt(path);
  }
  async approve(memory) {
    await this.run(this.curator().approve(memory));
  }
  async deprecate(memory, successor) {
    await this.run(this.curator().deprecate(memory, successor));
  }
  /** Into Obsidian's trash (system or `.trash/`, as the person set it up): recoverable, out of recall. */
  async reject(memory) {
    const file = fileOf(this.app, memory.path);
    const before = await this.app.vault.read(file);
    await this.app.fileManager.trashFile(file);
    this.done(`Moved \u201C${memory.title}\u201D to the trash`, [{ path: memory.path, before, after: null }]);
  }
  async keep(winner, loser) {
    await this.run(this.curator().keep(winner, loser));
  }
  async keepBoth(a, b) {
    await this.run(this.curator().keepBoth(a, b));
  }
  /** Returns the new note so the caller can open it for editing. */
  async merge(a, b) {
    const bodies = {
      a: await this.app.vault.read(fileOf(this.app, a.path)),
      b: await this.app.vault.read(fileOf(this.app, b.path))
    };
    return this.run(this.curator().merge(a, b, bodies, newId(), this.folder()));
  }
  /** Open the note; with a modifier (Ctrl/Cmd) in a new tab, as a link click in Obsidian does. */
  async open(memory, newLeaf = false) {
    await this.app.workspace.getLeaf(newLeaf).openFile(fileOf(this.app, memory.path));
  }
  /** Revert the last action when its files are as it left them; says what happened either way. */
  async undo() {
    const result = await this.journal.undo(this.textFiles());
    new import_obsidian2.Notice(result.undone ? `memem: undid \u201C${result.summary}\u201D` : `memem: ${result.why}`);
    return result.undone;
  }
  curator() {
    return new Curator(this.memories(), today(), obsidianLinktext(this.app));
  }
  /** The new note first (so its links resolve), then each edit; files are looked up before any write. */
  async run(plan) {
    const { vault, fileManager } = this.app;
    const targets = plan.edits.map((edit) => ({ edit, file: fileOf(this.app, edit.path) }));
    const touched = [];
    let created;
    let unsure;
    try {
      if (plan.create) {
        const { folder, title, frontmatter, body } = plan.create;
        const stem = noteStem(title);
        let path = `${folder}/${stem}.md`;
        for (let n = 2; vault.getAbstractFileByPath(path); n++) path = `${folder}/${numbered(stem, n)}.md`;
        const text3 = `---
${(0, import_obsidian2.stringifyYaml)(frontmatter)}---

${body}`;
        created = await vault.create(path, text3);
        touched.push({ path, before: null, after: text3 });
      }
      for (const { edit, file } of targets) {
        const before = await vault.read(file);
        const seen = { handed: "", left: "" };
        await fileManager.processFrontMatter(file, (fm) => {
          seen.handed = JSON.stringify(fm);
          edit.apply(fm);
          seen.left = JSON.stringify(fm);
        });
        const after = await vault.read(file);
        touched.push({ path: file.path, before, after });
        if (!isEditOf(before, after, seen)) unsure ??= file.path;
      }
    } finally {
      this.done(plan.summary, touched, unsure);
    }
    return created;
  }
  /**
   * Record the action for undo and say it is done. Trigger for `unsure`: another write reached that
   * note between this action's reads and its edit. Why: its before and after texts are then not this
   * action's change alone, and undoing from them would wipe that write out. Outcome: no undo for this
   * action (here or in memem's log), and the notice says why.
   */
  done(summary, touched, unsure) {
    if (unsure) {
      this.journal.forget();
      new import_obsidian2.Notice(`memem: ${summary}. ${unsure} changed at the same moment, so this cannot be undone.`, 8e3);
      return;
    }
    this.journal.record({ summary, touched });
    if (touched.some((t) => t.before !== t.after)) this.recorded({ summary, touched });
    const notice = new import_obsidian2.Notice(`memem: ${summary}`, 8e3);
    const undo = notice.messageEl.createEl("button", { text: "Undo", cls: "memem-undo" });
    undo.addEventListener("click", () => {
      notice.hide();
      void this.undo();
    });
  }
  textFiles() {
    const { vault, fileManager } = this.app;
    return {
      read: async (path) => {
        const file = vault.getFileByPath(path);
        return file ? vault.read(file) : null;
      },
      replace: async (path, expected, text3) => {
        const file = vault.getFileByPath(path);
        if (!file) return false;
        try {
          await vault.process(file, (current) => {
            if (current !== expected) throw new Changed();
            return text3;
          });
          return true;
        } catch (error) {
          if (error instanceof Changed) return false;
          throw error;
        }
      },
      create: async (path, text3) => {
        await vault.create(path, text3);
      },
      trash: (path) => fileManager.trashFile(fileOf(this.app, path))
    };
  }
};
var Changed = class extends Error {
};
function isEditOf(before, after, seen) {
  const was = splitNote(before);
  const is = splitNote(after);
  return was.body === is.body && propertiesJson(was.yaml) === seen.handed && propertiesJson(is.yaml) === seen.left;
}
function propertiesJson(yaml) {
  try {
    return JSON.stringify(yaml === null ? {} : (0, import_obsidian2.parseYaml)(yaml) ?? {});
  } catch {
    return null;
  }
}
var ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
function newId(now = /* @__PURE__ */ new Date()) {
  const random = crypto.getRandomValues(new Uint8Array(6));
  const suffix = [...random].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join("");
  return `mem-${today(now).replace(/-/g, "")}-${suffix}`;
}

// src/obsidian/contradictions-view.ts
var import_obsidian4 = require("obsidian");

// src/memory/queues.ts
function newestFirst(a, b) {
  const [x, y] = [a.created ?? "", b.created ?? ""];
  if (x !== y) return x < y ? 1 : -1;
  return b.mtime - a.mtime;
}
function awaitsReview(m) {
  return !m.reviewed && isActive(m) && !m.team;
}
function reviewQueue(memories, filter = {}) {
  return memories.all().filter(awaitsReview).filter((m) => !filter.project || (filter.project === GLOBAL ? !m.project : m.project === filter.project)).filter((m) => !filter.kind || m.kind === filter.kind).sort(newestFirst);
}
var GLOBAL = "(global)";
function facets(memories) {
  const queue = memories.all().filter(awaitsReview);
  const projects = new Set(queue.map((m) => m.project ?? GLOBAL));
  const kinds = new Set(queue.map((m) => m.kind).filter((k) => Boolean(k)));
  return { projects: [...projects].sort(), kinds: [...kinds].sort() };
}
function openContradictions(memories) {
  const seen = /* @__PURE__ */ new Set();
  const pairs = [];
  for (const source of memories.active()) {
    for (const other of memories.targets(source, "contradicts")) {
      if (!isActive(other) || other.path === source.path) continue;
      const key = [source.path, other.path].sort().join("\0");
      if (seen.has(key)) continue;
      seen.add(key);
      if (memories.linked(source, other, "consistent_with")) continue;
      const [left, right] = [source, other].sort((a, b) => -newestFirst(a, b));
      pairs.push({ left, right });
    }
  }
  return pairs.sort((p, q) => newestFirst(p.right, q.right));
}

// src/obsidian/memory-view.ts
var import_obsidian3 = require("obsidian");
var MemoryView = class extends import_obsidian3.ItemView {
  constructor(leaf, ctx) {
    super(leaf);
    this.ctx = ctx;
    this.dirty = false;
    /** Set once the pane is closed: a redraw asked for before (debounced, or waiting on the daemon) draws nothing. */
    this.closed = false;
    this.requestRender = (0, import_obsidian3.debounce)(() => void this.redraw(), 150, true);
  }
  get content() {
    return this.containerEl.children[1];
  }
  async onOpen() {
    this.content.addClass("memem-pane");
    this.register(this.ctx.actions.vault.index.subscribe((change) => this.onIndexChange(change)));
    this.registerEvent(this.app.workspace.on("layout-change", () => this.catchUp()));
    this.registerEvent(this.app.workspace.on("active-leaf-change", () => this.catchUp()));
    await this.redraw();
  }
  onResize() {
    this.catchUp();
  }
  /** Shown again (a tab chosen, a sidebar opened, resized): draw what changed while hidden. */
  catchUp() {
    if (this.dirty && this.isVisible()) this.requestRender();
  }
  async onClose() {
    this.closed = true;
    this.requestRender.cancel();
    this.content.empty();
  }
  /** Whether a change concerns this pane; by default any memory change does. */
  concerns(_change) {
    return true;
  }
  onIndexChange(change) {
    if (this.concerns(change)) this.invalidate();
  }
  /** What the pane shows is out of date: redraw now if it can be seen, else when it is shown again. */
  invalidate() {
    this.dirty = true;
    if (this.isVisible()) this.requestRender();
  }
  isVisible() {
    return this.containerEl.isShown();
  }
  /** Draw, keeping where the person was: the scroll offset, and focus on the same item when it remains. */
  async redraw() {
    if (this.closed) return;
    this.dirty = false;
    const scroll = this.content.scrollTop;
    const focused = this.content.contains(activeDocument.activeElement) ? activeDocument.activeElement?.closest("[data-path]")?.dataset.path : void 0;
    await this.render();
    this.content.scrollTop = scroll;
    if (focused) this.itemAt(focused)?.focus();
  }
  /** The drawn item (card, pair, row) for a memory's path. */
  itemAt(path) {
    return Array.from(this.content.querySelectorAll("[data-path]")).find((el) => el.dataset.path === path);
  }
  /** Run an action: errors become a notice; the index's own change events redraw the pane. */
  async act(action) {
    try {
      await action();
      return true;
    } catch (error) {
      showError(error);
      this.requestRender();
      return false;
    }
  }
  button(parent, label, hint, onClick, cta = false) {
    const button = parent.createEl("button", { text: label, attr: { "aria-label": hint } });
    if (cta) button.addClass("mod-cta");
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      void this.act(onClick);
    });
    return button;
  }
  /**
   * A memory's title as an internal link, as Obsidian draws one: click opens it (Ctrl/Cmd-click in a new
   * tab), hovering with the modifier shows the page preview.
   */
  titleLink(parent, memory, cls = "memem-card-title") {
    const link = parent.createEl("a", {
      cls: `internal-link ${cls}`,
      text: memory.title,
      attr: { "data-href": memory.path, href: memory.path, tabindex: "-1" }
    });
    link.addEventListener("click", (event) => {
      event.preventDefault();
      event.stopPropagation();
      void this.app.workspace.openLinkText(memory.path, "", import_obsidian3.Keymap.isModEvent(event));
    });
    link.addEventListener("mouseover", (event) => {
      this.app.workspace.trigger("hover-link", {
        event,
        source: this.getViewType(),
        hoverParent: this,
        targetEl: link,
        linktext: memory.path
      });
    });
    return link;
  }
};
function showError(error) {
  const message = error instanceof Error ? error.message : String(error);
  new import_obsidian3.Notice(message.startsWith("memem: ") ? message : `memem: ${message}`);
}

// src/obsidian/contradictions-view.ts
var CONTRADICTIONS_VIEW = "memem-contradictions";
var ContradictionsView = class extends MemoryView {
  constructor() {
    super(...arguments);
    /** The paths of the memories on screen. */
    this.shownPaths = /* @__PURE__ */ new Set();
    /** The memories with `contradicts` or `consistent_with` links at the last draw. */
    this.linkedPaths = /* @__PURE__ */ new Set();
  }
  getViewType() {
    return CONTRADICTIONS_VIEW;
  }
  getDisplayText() {
    return "Memory contradictions";
  }
  getIcon() {
    return "git-compare";
  }
  /**
   * Pairs only change when a memory with `contradicts` or `consistent_with` links changes: one that has
   * them now, or had them at the last draw (dropping the last `consistent_with` reopens a pair).
   */
  concerns(change) {
    const memories = this.ctx.actions.memories();
    return change.paths.some((path) => {
      const memory = memories.byPath(path);
      return !memory || this.shownPaths.has(path) || this.linkedPaths.has(path) || hasPairLinks(memory);
    });
  }
  async render() {
    const memories = this.ctx.actions.memories();
    const pairs = openContradictions(memories);
    this.linkedPaths = new Set(memories.all().filter(hasPairLinks).map((m) => m.path));
    this.shownPaths.clear();
    const root = this.content;
    root.empty();
    root.addClass("memem-contradictions");
    root.createDiv({ cls: "memem-pane-header" }).createEl("h4", { text: `Contradictions (${pairs.length})` });
    if (pairs.length === 0) {
      root.createDiv({ cls: "memem-empty", text: "No open contradictions. memem links them here when a new lesson disagrees with an old one." });
      return;
    }
    for (const pair of pairs) this.pair(root, pair);
  }
  pair(root, { left, right }) {
    this.shownPaths.add(left.path);
    this.shownPaths.add(right.path);
    const pair = root.createDiv({ cls: "memem-pair", attr: { "data-left": left.path, "data-right": right.path } });
    pair.createDiv({ cls: "memem-reason", text: reason(left, right) });
    const sides = pair.createDiv({ cls: "memem-pair-sides" });
    const { actions } = this.ctx;
    this.side(sides, left, "older", () => actions.keep(left, right));
    this.side(sides, right, "newer", () => actions.keep(right, left));
    const footer = pair.createDiv({ cls: "memem-actions" });
    this.button(footer, "Both hold", "Both are true (in different situations): stop flagging this pair", () => actions.keepBoth(left, right));
    const more = footer.createEl("button", { cls: "clickable-icon memem-more-actions", attr: { "aria-label": "More: merge into one note" } });
    more.setText("\u22EF");
    more.addEventListener("click", (event) => {
      event.stopPropagation();
      const menu = new import_obsidian4.Menu();
      menu.addItem(
        (item) => item.setTitle("Merge into one note\u2026").setIcon("git-merge").onClick(() => void this.act(() => this.merge(left, right)))
      );
      menu.showAtMouseEvent(event);
    });
  }
  /** Write one note from both, in their folder and unreviewed, and open it for the person to edit. */
  async merge(left, right) {
    const note = await this.ctx.actions.merge(left, right);
    if (note) await this.app.workspace.getLeaf(false).openFile(note);
  }
  side(parent, memory, age, keep) {
    const card = parent.createDiv({ cls: `memem-card memem-side memem-side-${age}`, attr: { "data-path": memory.path } });
    card.createDiv({ cls: "memem-side-label", text: age === "older" ? "Older" : "Newer" });
    this.titleLink(card, memory);
    const meta = [memory.kind, memory.project ?? "global", origin(memory), memory.reviewed ? "reviewed" : ""];
    card.createDiv({ cls: "memem-card-meta", text: meta.filter(Boolean).join(" \xB7 ") });
    const text3 = card.createDiv({ cls: "memem-card-snippet" });
    void this.ctx.actions.vault.snippet(memory, 400).then((s) => text3.setText(s));
    this.button(card, "Keep this", `Keep \u201C${memory.title}\u201D; the other is deprecated and superseded by it`, keep);
  }
};
function hasPairLinks(memory) {
  return memory.links.contradicts.length > 0 || memory.links.consistent_with.length > 0;
}
function reason(left, right) {
  const evidence = right.reason ?? left.reason;
  if (evidence) return `Why they disagree: ${evidence}`;
  return "Linked as contradicting each other; no reason was recorded.";
}

// src/obsidian/device-store.ts
var TOKEN_SECRET = "memem-daemon-token";
var localKey = (key) => `memem-${key}`;
var DeviceStore = class {
  constructor(app) {
    this.app = app;
  }
  load() {
    const values = {};
    for (const key of DEVICE_KEYS) {
      const stored = key === "daemonToken" ? this.app.secretStorage.getSecret(TOKEN_SECRET) : this.app.loadLocalStorage(localKey(key));
      values[key] = typeof stored === "string" ? stored : "";
    }
    return values;
  }
  save(values) {
    for (const key of DEVICE_KEYS) {
      if (key === "daemonToken") this.app.secretStorage.setSecret(TOKEN_SECRET, values[key]);
      else this.app.saveLocalStorage(localKey(key), values[key] || null);
    }
  }
  /** Where the token is kept, in words for the settings tab. */
  tokenHome() {
    return "Obsidian's secret storage on this device";
  }
};

// src/obsidian/platform.ts
var import_obsidian5 = require("obsidian");
var obsidianTransport = withTimeout(async (request) => {
  const response = await (0, import_obsidian5.requestUrl)({ ...request, throw: false, contentType: "application/json" });
  let json = null;
  try {
    json = response.json;
  } catch {
    json = null;
  }
  return { status: response.status, json };
});
async function desktopAccess() {
  if (import_obsidian5.Platform.isDesktop && import_obsidian5.Platform.isDesktopApp) {
    try {
      const fs = await import("fs");
      const os = await import("os");
      const proc = await import("process");
      const files = {
        readText: (path) => fs.promises.readFile(path, "utf8").catch(() => null),
        listDirs: async (path) => (await fs.promises.readdir(path, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => e.name),
        realpath: (path) => fs.promises.realpath(path).catch(() => path),
        alive: (pid) => processRuns((id, signal) => proc.kill(id, signal), pid)
      };
      return { files, defaultMemDir: proc.env.MEMEM_DIR || `${os.homedir()}/.memem` };
    } catch {
      return null;
    }
  }
  return null;
}
function processRuns(kill, pid) {
  try {
    kill(pid, 0);
    return true;
  } catch (error) {
    return error?.code === "EPERM";
  }
}

// src/obsidian/related-view.ts
var RELATED_VIEW = "memem-related";
var RelatedView = class extends MemoryView {
  constructor() {
    super(...arguments);
    this.generation = 0;
    /** The open memory and every memory drawn as its neighbour: the paths whose change redraws the pane. */
    this.shownPaths = /* @__PURE__ */ new Set();
  }
  getViewType() {
    return RELATED_VIEW;
  }
  getDisplayText() {
    return "Related memories";
  }
  getIcon() {
    return "network";
  }
  async onOpen() {
    this.registerEvent(this.app.workspace.on("file-open", () => this.invalidate()));
    await super.onOpen();
  }
  concerns(change) {
    return change.paths.some((path) => this.shownPaths.has(path));
  }
  async render() {
    const generation = ++this.generation;
    const file = this.app.workspace.getActiveFile();
    const memories = this.ctx.actions.memories();
    const memory = file ? memories.byPath(file.path) : void 0;
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
    const state = [memory.status, memory.kind, memory.project ?? "global", team].filter(Boolean).join(" \xB7 ");
    const stateEl = header.createDiv({ cls: "memem-card-meta", text: state });
    if (memory.status !== "deprecated") {
      this.button(
        header,
        "Deprecate",
        "Deprecate this memory, optionally naming its successor",
        async () => this.ctx.deprecateWithPrompt(memory.path)
      );
    }
    const typedEl = root.createDiv({ cls: "memem-section" });
    const similarEl = root.createDiv({ cls: "memem-section" });
    typedEl.createEl("h5", { text: "Linked" });
    similarEl.createEl("h5", { text: "Similar" });
    const [typed, similar, record] = await Promise.all([
      this.typed(memory, memories),
      this.similar(file, memory),
      this.ctx.daemon.record(memory.id).catch(() => null)
    ]);
    if (generation !== this.generation || this.closed) return;
    if (record && record.shown > 0) stateEl.after(createDiv({ cls: "memem-card-meta memem-record", text: describeRecord(record) }));
    this.neighbours(typedEl, typed.edges, memories);
    if (typed.note) typedEl.createDiv({ cls: "memem-note", text: typed.note });
    if (typeof similar === "string") similarEl.createDiv({ cls: "memem-note", text: similar });
    else if (similar.length === 0) similarEl.createDiv({ cls: "memem-empty", text: "Nothing similar." });
    else for (const hit of similar) this.hit(similarEl, hit, memories);
  }
  async typed(memory, memories) {
    try {
      const edges = await this.ctx.daemon.neighbors(memory.id);
      return { edges: edges.map(fromDaemon) };
    } catch (error) {
      const edges = [];
      for (const kind of LINK_KINDS) {
        for (const target of memories.targets(memory, kind)) edges.push({ direction: "out", kind, ...ref(target) });
        for (const source of memories.sources(memory, kind)) edges.push({ direction: "in", kind, ...ref(source) });
      }
      const why = error instanceof DaemonUnavailable ? "daemon not running" : String(error);
      return { edges, note: `From the vault's links (${why}).` };
    }
  }
  async similar(file, memory) {
    try {
      const body = stripFrontmatter(await this.app.vault.cachedRead(file));
      return await this.ctx.daemon.similar(`${memory.title}
${body}`, memory.project, memory.id);
    } catch (error) {
      if (error instanceof DaemonUnavailable) return "Start memem's daemon (`memem serve`) for similar memories.";
      return String(error);
    }
  }
  neighbours(parent, edges, memories) {
    if (edges.length === 0) {
      parent.createDiv({ cls: "memem-empty", text: "No typed links." });
      return;
    }
    const list = parent.createEl("ul", { cls: "memem-links" });
    for (const edge of edges) {
      const item = list.createEl("li");
      item.createSpan({ cls: `memem-kind memem-kind-${edge.kind}`, text: edgeLabel(edge) });
      if (edge.status === "deprecated") item.addClass("is-deprecated");
      const target = edge.path ? memories.byPath(edge.path) : edge.id ? memories.byId(edge.id) : void 0;
      item.appendText(" ");
      if (target) {
        this.shownPaths.add(target.path);
        this.titleLink(item, target, "memem-link");
      } else item.createSpan({ cls: "memem-link is-unresolved", text: edge.title });
    }
  }
  hit(parent, hit, memories) {
    const item = parent.createDiv({ cls: "memem-hit" });
    const target = memories.byPath(hit.path);
    if (target) {
      this.shownPaths.add(target.path);
      this.titleLink(item, target, "memem-link");
    } else item.createDiv({ cls: "memem-link", text: hit.title });
    item.createDiv({ cls: "memem-card-snippet", text: hit.snippet });
    const meta = hit.team ? `team ${hit.team} \xB7 ${likeness(hit)}` : likeness(hit);
    item.createDiv({ cls: "memem-card-meta", text: meta, attr: { title: `score ${hit.score.toFixed(2)}` } });
  }
};
function likeness(hit) {
  const share = hit.share ?? 0;
  const how = share >= 0.75 ? "Very close" : share >= 0.45 ? "Close" : "Loosely related";
  const legs = [
    hit.why.some((w) => w.startsWith("vector")) ? "same meaning" : "",
    hit.why.some((w) => w.startsWith("fulltext")) ? "same words" : ""
  ].filter(Boolean);
  return legs.length ? `${how}: ${legs.join(" and ")}` : how;
}
function edgeLabel(edge) {
  if (edge.kind === "link") return edge.direction === "out" ? "\u2192 mentions" : "\u2190 mentioned in";
  return `${edge.direction === "out" ? "\u2192" : "\u2190"} ${edge.kind.replace("_", " ")}`;
}
function fromDaemon(edge) {
  const title = edge.title ?? `${edge.link} (missing)`;
  return { direction: edge.direction, kind: edge.kind, title, id: edge.id, status: edge.status };
}
function ref(memory) {
  return { title: memory.title, path: memory.path, status: memory.status };
}
function describeRecord(record) {
  const times = record.shown === 1 ? "once" : `${record.shown} times`;
  const parts = [`recalled ${times}`, `used ${record.used}`, `ignored ${record.ignored}`, `contradicted ${record.contradicted}`];
  return parts.join(" \xB7 ") + (record.flagged ? " \u2014 keeps being contradicted: review it" : "");
}

// src/obsidian/review-view.ts
var import_obsidian6 = require("obsidian");
var REVIEW_VIEW = "memem-review";
var UNSURE = "memem's daemon did not answer in time: this may have been carried out. Check again before deciding.";
var SHOWN = 200;
var ReviewView = class extends MemoryView {
  constructor() {
    super(...arguments);
    this.filter = {};
    this.shown = [];
    this.cards = /* @__PURE__ */ new Map();
    /** Acted on, not yet seen changed by the index: hidden so the next key reaches the next memory. */
    this.settling = /* @__PURE__ */ new Set();
    /** Proposals decided here, hidden until the index sees their note change. */
    this.deciding = /* @__PURE__ */ new Set();
    /** Proposals whose decision got no answer in time: it may have been carried out, so they are not
     *  offered again until the daemon (Check again) or their note (the index) says how it went. */
    this.unsure = /* @__PURE__ */ new Set();
  }
  getViewType() {
    return REVIEW_VIEW;
  }
  getDisplayText() {
    return "Memories to review";
  }
  getIcon() {
    return "inbox";
  }
  async onOpen() {
    this.content.addEventListener("keydown", (event) => this.onKey(event));
    await super.onOpen();
  }
  /** The memory the keyboard acts on. */
  get selected() {
    return this.shown.find((m) => m.path === this.selectedPath) ?? this.shown[0];
  }
  async render() {
    const memories = this.ctx.actions.memories();
    const { projects, kinds } = facets(memories);
    this.recoverFilter(projects, kinds);
    const queue = reviewQueue(memories, this.filter).filter((m) => !this.settling.has(m.path));
    this.shown = queue.slice(0, SHOWN);
    const root = this.content;
    root.addClass("memem-review");
    if (!this.headerEl) this.headerEl = root.createDiv({ cls: "memem-pane-header" });
    this.header(this.headerEl, queue.length, projects, kinds);
    if (!this.proposalsEl) this.proposalsEl = root.createDiv({ cls: "memem-proposals" });
    this.drawProposals(this.proposalsEl);
    if (!this.list) {
      this.list = root.createDiv({ cls: "memem-list", attr: { role: "listbox", "aria-label": "Memories to review" } });
    }
    const list = this.list;
    this.tail?.remove();
    this.tail = void 0;
    const keep = new Set(this.shown.map((m) => m.path));
    for (const [path, card] of this.cards) {
      if (!keep.has(path)) {
        card.el.remove();
        this.cards.delete(path);
      }
    }
    let previous = null;
    for (const memory of this.shown) {
      let card = this.cards.get(memory.path);
      if (card?.memory !== memory) {
        const el = this.card(memory);
        if (card) card.el.replaceWith(el);
        card = { memory, el };
        this.cards.set(memory.path, card);
      }
      const expected = previous ? previous.nextElementSibling : list.firstElementChild;
      if (expected !== card.el) list.insertBefore(card.el, expected);
      previous = card.el;
    }
    if (queue.length === 0) {
      this.tail = list.createDiv({ cls: "memem-empty", text: "Nothing to review. New memories appear here as Claude learns them." });
    } else if (queue.length > SHOWN) {
      this.tail = list.createDiv({ cls: "memem-more", text: `and ${queue.length - SHOWN} more\u2026` });
    }
    this.mark();
  }
  /** Consolidation's open proposals: what accepting does, the evidence, Accept and Reject. */
  drawProposals(parent) {
    parent.empty();
    const open = this.ctx.actions.vault.proposals().filter((p) => !this.deciding.has(p.path));
    if (!open.length) return;
    parent.createEl("h5", { text: `Proposals (${open.length})` });
    for (const proposal of open) {
      const card = parent.createDiv({
        cls: "memem-card memem-proposal",
        attr: { tabindex: "0", "data-path": proposal.path, "data-key": proposal.key }
      });
      card.createDiv({ cls: "memem-card-title", text: proposalAction(proposal) });
      card.createDiv({ cls: "memem-card-meta", text: proposal.evidence });
      const buttons = card.createDiv({ cls: "memem-actions" });
      if (this.unsure.has(proposal.path)) {
        card.createDiv({ cls: "memem-note", text: UNSURE });
        this.button(buttons, "Check again", "Ask memem's daemon whether this proposal is still open", () => this.recheck(proposal), true);
        continue;
      }
      const settled = proposal.kind !== "review";
      if (settled) this.button(buttons, "Accept", "Accept (a): carry it out (memem undo reverts it)", () => this.decide(proposal, "accept"), true);
      this.button(buttons, settled ? "Reject" : "Dismiss", settled ? "Reject (x): never propose it again" : "Dismiss (x): settle it in the notes yourself", () => this.decide(proposal, "reject"), !settled);
      card.addEventListener("keydown", (event) => {
        const key = event.key;
        if (event.target !== card || !["a", "x", "Delete"].includes(key) || key === "a" && !settled) return;
        event.preventDefault();
        event.stopPropagation();
        void this.act(() => this.decide(proposal, key === "a" ? "accept" : "reject"));
      });
    }
  }
  /** The daemon decides (it acts through memem's operations and logs them); the card goes at once. */
  async decide(proposal, decision) {
    const next = this.proposalsEl?.querySelector(`[data-path="${CSS.escape(proposal.path)}"]`)?.nextElementSibling;
    this.deciding.add(proposal.path);
    await this.redraw();
    (next instanceof HTMLElement && next.dataset.path ? this.itemAt(next.dataset.path) : void 0)?.focus();
    try {
      await this.ctx.daemon.decide(proposal.key, decision);
    } catch (error) {
      this.deciding.delete(proposal.path);
      if (error instanceof OutcomeUnknown) this.unsure.add(proposal.path);
      await this.redraw();
      throw error;
    }
  }
  /** After a decision without an answer: the daemon says whether the proposal is still open. Still
   *  open, it is offered again; decided, it stays hidden until the index sees its note change. */
  async recheck(proposal) {
    const open = await this.ctx.daemon.openProposals();
    this.unsure.delete(proposal.path);
    if (!open.includes(proposal.key)) this.deciding.add(proposal.path);
    await this.redraw();
  }
  /** A filter whose last memory was just reviewed falls back to everything, and says so. */
  recoverFilter(projects, kinds) {
    const gone = [];
    if (this.filter.project && !projects.includes(this.filter.project)) {
      gone.push(this.filter.project === GLOBAL ? "global memories" : `project ${this.filter.project}`);
      this.filter.project = void 0;
    }
    if (this.filter.kind && !kinds.includes(this.filter.kind)) {
      gone.push(`kind ${this.filter.kind}`);
      this.filter.kind = void 0;
    }
    this.notice = gone.length ? `Nothing left to review for ${gone.join(" and ")}; showing everything.` : void 0;
  }
  header(header, count2, projects, kinds) {
    header.empty();
    header.createEl("h4", { text: `To review (${count2})` });
    const filters = header.createDiv({ cls: "memem-filters" });
    this.dropdown(filters, "All projects", projects, this.filter.project, (project) => this.filter.project = project);
    this.dropdown(filters, "All kinds", kinds, this.filter.kind, (kind) => this.filter.kind = kind);
    if (this.notice) header.createDiv({ cls: "memem-note", text: this.notice });
  }
  card(memory) {
    const card = createDiv({
      cls: "memem-card",
      attr: { role: "option", tabindex: "-1", "data-path": memory.path, "aria-selected": "false" }
    });
    card.addEventListener("focus", () => this.choose(memory.path, false));
    card.addEventListener("click", () => this.choose(memory.path));
    this.titleLink(card, memory);
    const meta = [memory.kind, memory.project ?? "global", origin(memory)].filter(Boolean);
    card.createDiv({ cls: "memem-card-meta", text: meta.join(" \xB7 ") });
    const text3 = card.createDiv({ cls: "memem-card-snippet" });
    void this.ctx.actions.vault.snippet(memory).then((s) => text3.setText(s));
    const buttons = card.createDiv({ cls: "memem-actions" });
    this.button(buttons, "Approve", "Approve (a): keep it as it is", () => this.approve(memory), true);
    const more = buttons.createEl("button", {
      cls: "clickable-icon memem-more-actions",
      attr: { "aria-label": "More actions: edit, deprecate, reject" }
    });
    more.setText("\u22EF");
    more.addEventListener("click", (event) => {
      event.stopPropagation();
      this.menu(memory).showAtMouseEvent(event);
    });
    return card;
  }
  menu(memory) {
    const menu = new import_obsidian6.Menu();
    menu.addItem(
      (item) => item.setTitle("Edit").setIcon("pencil").onClick(() => void this.act(() => this.ctx.actions.open(memory)))
    );
    menu.addItem(
      (item) => item.setTitle("Deprecate\u2026").setIcon("archive").onClick(() => void this.deprecate(memory))
    );
    menu.addItem(
      (item) => item.setTitle("Reject: move to the trash").setIcon("trash").onClick(() => void this.reject(memory))
    );
    return menu;
  }
  dropdown(parent, all, values, current, set) {
    const select = parent.createEl("select", { cls: "dropdown", attr: { "aria-label": all } });
    select.createEl("option", { text: all, value: "" });
    for (const value of values) select.createEl("option", { text: value === GLOBAL ? "Global" : value, value });
    select.value = current ?? "";
    select.addEventListener("change", () => {
      set(select.value || void 0);
      this.selectedPath = void 0;
      void this.redraw();
    });
  }
  /** Select (and focus) a card; the selection is a path, so it survives redraws and reordering. */
  choose(path, focus = true) {
    this.selectedPath = path;
    const card = this.mark();
    if (focus) card?.focus();
  }
  /** Show the selection: only the card that had it and the card that gets it are touched. */
  mark() {
    const chosen = this.selected ? this.cards.get(this.selected.path)?.el : void 0;
    if (this.marked && this.marked !== chosen) setSelected(this.marked, false);
    if (chosen) setSelected(chosen, true);
    this.marked = chosen;
    return chosen;
  }
  /** The memory the selection moves to when `memory` leaves the list: the next one, else the one before. */
  successorOf(memory) {
    const at = this.shown.findIndex((m) => m.path === memory.path);
    return (this.shown[at + 1] ?? this.shown[at - 1])?.path;
  }
  /** Approve, reject, deprecate: the memory leaves the list at once and focus moves to the next one. */
  async leave(memory, action, refocus) {
    const next = this.successorOf(memory);
    this.settling.add(memory.path);
    if (this.selectedPath === memory.path || !this.selectedPath) this.selectedPath = next;
    await this.redraw();
    if (refocus) this.choose(this.selectedPath);
    if (!await this.act(action)) {
      this.settling.delete(memory.path);
      await this.redraw();
    }
  }
  approve(memory) {
    return this.leave(memory, () => this.ctx.actions.approve(memory), this.hasFocus());
  }
  reject(memory) {
    return this.leave(memory, () => this.ctx.actions.reject(memory), this.hasFocus());
  }
  /** Deprecating asks for a successor first; the list moves on only when the modal closed with a choice.
   *  The prompt and the edit run inside `act`: a note moved while the picker was open is a notice. */
  async deprecate(memory) {
    const refocus = this.hasFocus();
    let deprecated = false;
    await this.act(async () => deprecated = await this.ctx.deprecateWithPrompt(memory.path));
    if (deprecated) await this.leave(memory, async () => deprecated, refocus);
    else if (refocus) this.choose(this.selectedPath);
  }
  /** The index saw the edit: the memory no longer needs hiding (it left the queue or it is back). */
  onIndexChange(change) {
    for (const path of change.paths) {
      this.settling.delete(path);
      this.deciding.delete(path);
      this.unsure.delete(path);
    }
    super.onIndexChange(change);
  }
  hasFocus() {
    return this.content.contains(activeDocument.activeElement);
  }
  onKey(event) {
    const target = event.target;
    if (target?.closest("button, select, input, textarea, a, .memem-proposal") || event.metaKey || event.ctrlKey || event.altKey) return;
    if (activeDocument.querySelector(".modal-container")) return;
    const memory = this.selected;
    const at = memory ? this.shown.indexOf(memory) : -1;
    const move = (to) => {
      event.preventDefault();
      this.choose(this.shown[Math.max(0, Math.min(to, this.shown.length - 1))]?.path);
    };
    switch (event.key) {
      case "ArrowDown":
      case "j":
        return move(at + 1);
      case "ArrowUp":
      case "k":
        return move(at - 1);
      case "u":
        event.preventDefault();
        void this.act(() => this.ctx.actions.undo());
        return;
    }
    if (!memory) return;
    const key = event.key;
    if (!["a", "e", "Enter", "d", "x", "Delete"].includes(key)) return;
    event.preventDefault();
    if (key === "a") void this.approve(memory);
    else if (key === "e" || key === "Enter") void this.act(() => this.ctx.actions.open(memory));
    else if (key === "d") void this.deprecate(memory);
    else void this.reject(memory);
  }
};
function setSelected(card, on) {
  card.toggleClass("is-selected", on);
  card.setAttr("aria-selected", String(on));
  card.setAttr("tabindex", on ? "0" : "-1");
}

// src/obsidian/settings-tab.ts
var import_obsidian7 = require("obsidian");
var ADDRESS_PAUSE_MS = 1e3;
var MememSettingTab = class extends import_obsidian7.PluginSettingTab {
  constructor(app, host) {
    super(app, host);
    this.host = host;
    /** The last value typed into a `whenSettled` field, saved once typing pauses. */
    this.saveSettled = (0, import_obsidian7.debounce)((setting, value) => void this.save(setting, value), ADDRESS_PAUSE_MS, true);
  }
  table() {
    return [
      {
        key: "memoriesFolder",
        name: "Memories folder",
        desc: "The folder, relative to the vault, where memem keeps one note per memory.",
        placeholder: DEFAULT_SETTINGS.memoriesFolder,
        clean: (value) => normalizeFolder(value) || DEFAULT_SETTINGS.memoriesFolder
      },
      {
        key: "daemonAddress",
        name: "Daemon address",
        desc: "Leave empty to find the daemon serving this vault automatically (desktop); its port changes on every start.",
        placeholder: "Found automatically",
        validate: checkAddress,
        clean: (value) => value.trim(),
        whenSettled: true
      },
      {
        key: "daemonToken",
        name: "Daemon token",
        desc: `Leave empty to read memem's per-install token from its state folder. Kept in ${this.host.device.tokenHome()}, never in the synced plugin data.`,
        secret: true,
        clean: (value) => value.trim()
      },
      {
        key: "memDir",
        name: "State folder",
        desc: "Where memem keeps its token and indexes on this device. Empty means the default, ~/.memem.",
        clean: (value) => value.trim()
      }
    ];
  }
  /** Obsidian 1.13+: the same settings, declared, so Settings search finds them. */
  getSettingDefinitions() {
    return this.table().map(
      (s) => s.secret ? { name: s.name, desc: s.desc, render: (setting) => this.secretField(setting, s) } : {
        name: s.name,
        desc: s.desc,
        control: {
          type: "text",
          key: s.key,
          placeholder: s.placeholder,
          validate: (value) => s.validate?.(value) ?? void 0
        }
      }
    );
  }
  getControlValue(key) {
    return this.host.settings[key];
  }
  /** Obsidian 1.13 calls this on each change of a declared control; the classic page does too. */
  async setControlValue(key, value) {
    const setting = this.table().find((s) => s.key === key);
    if (!setting || typeof value !== "string") return;
    if (setting.whenSettled) this.saveSettled.cancel();
    if (setting.validate?.(value)) return;
    if (setting.whenSettled) this.saveSettled(setting, value);
    else await this.save(setting, value);
  }
  async save(setting, value) {
    this.host.settings[setting.key] = setting.clean(value);
    await this.host.saveSettings();
  }
  display() {
    const { containerEl } = this;
    containerEl.empty();
    for (const s of this.table()) {
      const setting = new import_obsidian7.Setting(containerEl).setName(s.name).setDesc(s.desc);
      if (s.secret) this.secretField(setting, s);
      else this.textField(setting, s);
    }
  }
  textField(setting, s) {
    setting.addText((text3) => {
      text3.setPlaceholder(s.placeholder ?? "").setValue(this.host.settings[s.key]).onChange(async (value) => {
        setting.setDesc(s.validate?.(value) ?? s.desc);
        await this.setControlValue(s.key, value);
      });
      if (s.whenSettled) text3.inputEl.addEventListener("blur", () => this.saveSettled.run());
    });
  }
  secretField(setting, s) {
    setting.addText((text3) => {
      text3.inputEl.type = "password";
      text3.setValue(this.host.settings[s.key]).onChange((value) => this.setControlValue(s.key, value));
    });
  }
};

// src/obsidian/status-bar.ts
function describeStatus(status, error) {
  if (!status) return { text: "memem: daemon off", title: error ?? "memem's daemon is not running for this vault; run `memem serve`. Editing still works." };
  const bad = status.bad_notes.length;
  const pending = status.stale_vectors + status.daemon.pending_events;
  const parts = [`memem: ${status.notes} memories`];
  if (status.daemon.phase !== "watching") parts.push(status.daemon.phase);
  else if (pending > 0) parts.push(`syncing ${pending}`);
  if (bad > 0) parts.push(`${bad} bad`);
  return {
    text: parts.join(" \xB7 "),
    title: `daemon pid ${status.daemon.pid}, ${status.daemon.phase}; ${status.vectors} vectors (${status.embedder}); ${bad} notes memem cannot read`
  };
}
var StatusBar = class {
  constructor(el, daemon) {
    this.el = el;
    this.daemon = daemon;
    this.asked = 0;
    this.waiting = 0;
  }
  /** The interval's tick: nothing while an earlier request is unanswered. */
  async tick() {
    if (this.waiting === 0) await this.refresh();
  }
  async refresh() {
    const ask = ++this.asked;
    this.waiting += 1;
    let shown;
    let off = false;
    try {
      shown = describeStatus(await this.daemon.status());
    } catch (error) {
      shown = describeStatus(null, error instanceof Error ? error.message : String(error));
      off = true;
    } finally {
      this.waiting -= 1;
    }
    if (ask !== this.asked) return;
    this.el.toggleClass("memem-off", off);
    this.el.setText(shown.text);
    this.el.setAttr("aria-label", shown.title);
    this.el.setAttr("title", shown.title);
  }
};

// src/obsidian/successor-modal.ts
var import_obsidian8 = require("obsidian");
var NONE = /* @__PURE__ */ Symbol("no successor");
var SuccessorModal = class extends import_obsidian8.FuzzySuggestModal {
  constructor(app, memory, candidates) {
    super(app);
    this.memory = memory;
    this.candidates = candidates;
    this.chosen = false;
    this.setPlaceholder(`Deprecate \u201C${memory.title}\u201D: which memory replaces it? (Esc cancels)`);
    this.setInstructions([
      { command: "\u2191\u2193", purpose: "choose" },
      { command: "\u21B5", purpose: "deprecate" },
      { command: "esc", purpose: "cancel" }
    ]);
  }
  /** Open, and resolve once the modal is gone: the choice, or null when it was cancelled. */
  prompt() {
    return new Promise((resolve) => {
      this.settle = resolve;
      this.open();
    });
  }
  getItems() {
    return [NONE, ...this.candidates.filter((m) => m.path !== this.memory.path)];
  }
  getItemText(item) {
    if (item === NONE) return "No successor: just deprecate it";
    return item.project ? `${item.title} (${item.project})` : item.title;
  }
  onChooseItem(item) {
    this.chosen = true;
    this.settle?.({ successor: item === NONE ? void 0 : item });
  }
  onClose() {
    super.onClose();
    window.setTimeout(() => {
      if (!this.chosen) this.settle?.(null);
    }, 0);
  }
};

// src/main.ts
var MememPlugin = class extends import_obsidian9.Plugin {
  constructor() {
    super(...arguments);
    this.desktop = null;
  }
  async onload() {
    this.device = new DeviceStore(this.app);
    await this.loadSettings();
    this.desktop = await desktopAccess();
    this.memories = new VaultMemories(this.app, () => this.settings.memoriesFolder);
    for (const ref2 of this.memories.watch()) this.registerEvent(ref2);
    this.actions = new MemoryActions(this.app, this.memories, () => this.settings.memoriesFolder, (entry) => void this.logForUndo(entry));
    const locator = new DaemonLocator(() => this.discovery(), this.desktop?.files ?? null, obsidianTransport);
    this.locator = locator;
    this.daemon = new DaemonClient(() => locator.endpoint(), obsidianTransport, () => locator.forget());
    const ctx = {
      app: this.app,
      actions: this.actions,
      daemon: this.daemon,
      settings: () => this.settings,
      deprecateWithPrompt: (path) => this.deprecateWithPrompt(path)
    };
    this.registerView(REVIEW_VIEW, (leaf) => new ReviewView(leaf, ctx));
    this.registerView(CONTRADICTIONS_VIEW, (leaf) => new ContradictionsView(leaf, ctx));
    this.registerView(RELATED_VIEW, (leaf) => new RelatedView(leaf, ctx));
    for (const [id, display] of [[REVIEW_VIEW, "memem review"], [CONTRADICTIONS_VIEW, "memem contradictions"], [RELATED_VIEW, "memem related"]]) {
      this.registerHoverLinkSource(id, { display, defaultMod: true });
    }
    this.addRibbonIcon("inbox", "memem: review memories", () => void this.openView(REVIEW_VIEW));
    this.addCommand({ id: "open-review", name: "Review new memories", callback: () => void this.openView(REVIEW_VIEW) });
    this.addCommand({
      id: "open-contradictions",
      name: "Resolve contradicting memories",
      callback: () => void this.openView(CONTRADICTIONS_VIEW)
    });
    this.addCommand({ id: "open-related", name: "Show related memories", callback: () => void this.openView(RELATED_VIEW) });
    this.addCommand({
      id: "deprecate",
      name: "Deprecate this memory\u2026",
      // An already deprecated memory is not offered (as in the file menu and the panes).
      checkCallback: (checking) => this.onActiveMemory(checking, (path) => this.attempt(() => this.deprecateWithPrompt(path)), (memory) => memory.status !== "deprecated")
    });
    this.addCommand({
      id: "approve",
      name: "Approve this memory",
      checkCallback: (checking) => this.onActiveMemory(checking, (path) => {
        const memory = this.actions.memoryAt(path);
        if (memory) this.attempt(() => this.actions.approve(memory));
      })
    });
    this.addCommand({ id: "undo", name: "Undo the last memory action", callback: () => this.attempt(() => this.actions.undo()) });
    this.addCommand({
      id: "propose",
      name: "Propose this memory to the team",
      checkCallback: (checking) => this.onActiveMemory(checking, (path) => void this.proposeToTeam(path))
    });
    this.registerEvent(
      this.app.workspace.on("file-menu", (menu, file) => {
        const memory = file instanceof import_obsidian9.TFile ? this.actions.memoryAt(file.path) : void 0;
        if (!memory || memory.status === "deprecated") return;
        menu.addItem(
          (item) => item.setTitle("Deprecate memory\u2026").setIcon("archive").onClick(() => this.attempt(() => this.deprecateWithPrompt(memory.path)))
        );
        if (!this.app.vault.getAbstractFileByPath(TEAMS_FOLDER)) return;
        menu.addItem(
          (item) => item.setTitle("Propose to the team").setIcon("users").onClick(() => void this.proposeToTeam(memory.path))
        );
      })
    );
    const statusEl = this.addStatusBarItem();
    statusEl.addClass("memem-status");
    statusEl.setText("memem: \u2026");
    const status = new StatusBar(statusEl, this.daemon);
    this.status = status;
    this.app.workspace.onLayoutReady(() => {
      this.memories.rebuild();
      void this.refreshStatus();
    });
    this.registerInterval(window.setInterval(() => void status.tick(), this.settings.statusSeconds * 1e3));
    this.addSettingTab(new MememSettingTab(this.app, this));
  }
  /**
   * Synced settings from data.json, this device's from its own store. Device keys found in data.json
   * (an older version kept them there) are dropped from it; only a token is moved into this device's
   * store. Why not the address and state folder: data.json syncs with the vault, so a vault that
   * arrives with a crafted one would choose where this device sends its token.
   */
  async loadSettings() {
    const saved = { ...await this.loadData() ?? {} };
    const device = this.device.load();
    const strays = DEVICE_KEYS.filter((key) => key in saved);
    if (!device.daemonToken && typeof saved.daemonToken === "string") device.daemonToken = saved.daemonToken;
    for (const key of strays) delete saved[key];
    this.settings = mergeSettings({ ...saved, ...device });
    if (strays.length) await this.saveSettings();
  }
  async saveSettings() {
    const before = this.memories ? this.settings.memoriesFolder : void 0;
    const { synced, device } = splitSettings(this.settings);
    this.device.save(device);
    await this.saveData(synced);
    this.locator?.forget();
    void this.refreshStatus();
    if (before !== void 0 && this.app.workspace.layoutReady) this.memories.rebuild();
  }
  async refreshStatus() {
    await this.status?.refresh();
  }
  /**
   * Hand a review action to memem's event log, so `memem undo` reverts it like any other edit. The
   * action stands whatever the answer. Trigger for the notice: the daemon refused the entry (a note's
   * text it will not keep, a path it does not take) or did not answer. Why tell: `memem undo` would
   * then undo an earlier change instead of this one, and nothing else would say so.
   */
  async logForUndo(entry) {
    try {
      await this.daemon.logEdits(entry);
    } catch (error) {
      new import_obsidian9.Notice(notLogged(entry.summary, error), 15e3);
    }
  }
  /** Run an action from the command palette or a menu: a failure is a notice, as in the panes. */
  attempt(action) {
    action().catch(showError);
  }
  /** Ask for a successor (or none) and deprecate; true once deprecated, false when the person cancelled. */
  async deprecateWithPrompt(path) {
    const memories = this.actions.memories();
    const memory = memories.byPath(path);
    if (!memory) return false;
    const candidates = memories.active().sort((a, b) => a.title.localeCompare(b.title));
    const choice = await new SuccessorModal(this.app, memory, candidates).prompt();
    if (!choice) return false;
    await this.actions.deprecate(memory, choice.successor);
    return true;
  }
  /** Hand a memory to the daemon's `team_propose`: screened, committed to a new branch of the team
   *  repository and pushed for review. A team note goes to its own team (its edit is what is proposed). */
  async proposeToTeam(path) {
    const memory = this.actions.memoryAt(path);
    if (!memory) return;
    try {
      new import_obsidian9.Notice(proposalNotice(await this.daemon.propose([memory.id], memory.team)), 1e4);
    } catch (error) {
      new import_obsidian9.Notice(error instanceof Error ? error.message : String(error), 1e4);
    }
  }
  async openView(type) {
    const { workspace } = this.app;
    let leaf = workspace.getLeavesOfType(type)[0] ?? null;
    if (!leaf) {
      leaf = workspace.getRightLeaf(false);
      await leaf?.setViewState({ type, active: true });
    }
    if (leaf) await workspace.revealLeaf(leaf);
    return leaf;
  }
  /** A command on the open note: offered when it is a memory (and `offered` says the command fits it). */
  onActiveMemory(checking, run, offered = () => true) {
    const file = this.app.workspace.getActiveFile();
    const memory = file ? this.actions.memoryAt(file.path) : void 0;
    if (!file || !memory || !offered(memory)) return false;
    if (!checking) run(file.path);
    return true;
  }
  discovery() {
    const adapter = this.app.vault.adapter;
    const vaultPath = typeof adapter.getBasePath === "function" ? adapter.getBasePath() : "";
    const memDir = this.settings.memDir || this.desktop?.defaultMemDir || "";
    if (!memDir && !(this.settings.daemonAddress && this.settings.daemonToken)) return null;
    return { memDir, vaultPath, address: this.settings.daemonAddress, token: this.settings.daemonToken };
  }
};
function notLogged(summary, error) {
  if (error instanceof OutcomeUnknown) {
    return `memem: ${summary} in the vault; memem's daemon did not answer in time, so its history may or may not hold it. Check \`memem history\` before \`memem undo\`: that undoes the newest change the history holds.`;
  }
  const why = (error instanceof Error ? error.message : String(error)).replace(/^memem: /, "");
  return `memem: ${summary} in the vault, but memem's history did not record it (${why}), so \`memem undo\` will not undo it (it would undo an earlier change). The Undo button or \u201CUndo the last memory action\u201D here still can.`;
}
