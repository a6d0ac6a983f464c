"use strict";
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
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
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

// src/main.ts
var main_exports = {};
__export(main_exports, {
  default: () => MememPlugin
});
module.exports = __toCommonJS(main_exports);
var import_obsidian9 = require("obsidian");

// src/daemon/client.ts
var DaemonUnavailable = class extends Error {
};
var SIMILAR_FLOOR = 0.2;
var DaemonClient = class {
  constructor(endpoint, transport) {
    this.endpoint = endpoint;
    this.transport = transport;
  }
  async status() {
    return await this.request("GET", "/v1/status");
  }
  /** Notes that say something close to `text`, from the daemon's hybrid search (vectors + full text).
   *  Without the cross-encoder: it judges whether a note answers a question, and a whole note is no
   *  question; likeness is what the first stage measures. */
  async similar(text2, project, exclude, limit = 8) {
    const data = await this.request("POST", "/v1/search", {
      query: text2.slice(0, 2e3),
      ...project ? { project } : {},
      limit: limit + 1,
      rerank: false
    });
    const top = Math.max(0, ...data.results.map((hit) => hit.score));
    return data.results.filter((hit) => hit.id !== exclude && hit.score >= SIMILAR_FLOOR * top).slice(0, limit);
  }
  async neighbors(id) {
    const data = await this.request("POST", "/v1/op/neighbors", { id });
    return data.edges;
  }
  async contradictions() {
    const data = await this.request("POST", "/v1/op/graph_audit", {});
    return data.contradictions;
  }
  async request(method, path, payload) {
    const endpoint = await this.endpoint();
    if (!endpoint) throw new DaemonUnavailable("memem's daemon is not running for this vault");
    let response;
    try {
      response = await this.transport({
        url: endpoint.url.replace(/\/$/, "") + path,
        method,
        headers: { Authorization: `Bearer ${endpoint.token}`, "Content-Type": "application/json" },
        body: payload === void 0 ? void 0 : JSON.stringify(payload)
      });
    } catch (error) {
      throw new DaemonUnavailable(`memem's daemon did not answer: ${String(error)}`);
    }
    if (response.status === 401 || response.status === 403) {
      throw new DaemonUnavailable("memem's daemon refused the token (check the token in settings)");
    }
    if (response.status >= 400) {
      const message = response.json?.error ?? `HTTP ${response.status}`;
      throw new Error(`memem: ${message}`);
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

// src/obsidian/actions.ts
var import_obsidian2 = require("obsidian");

// src/memory/links.ts
var LINK_KINDS = ["related", "supports", "depends_on", "supersedes", "contradicts", "consistent_with"];
function linkTarget(value) {
  if (typeof value !== "string") return null;
  let text2 = value.trim();
  if (text2.startsWith("!")) text2 = text2.slice(1);
  if (text2.startsWith("[[") && text2.endsWith("]]")) text2 = text2.slice(2, -2);
  text2 = text2.split("|")[0].split("#")[0].trim();
  if (text2.toLowerCase().endsWith(".md")) text2 = text2.slice(0, -3);
  return text2 || null;
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
  /** `status: deprecated`, `valid_to` today; a successor, when given, gets `supersedes` to it. */
  deprecate(memory, successor, reason) {
    if (successor && successor.path === memory.path) throw new Error("A memory cannot supersede itself.");
    const today2 = this.today;
    const edits = [{ path: memory.path, apply: (fm) => retire(fm, today2, reason) }];
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
          }
        },
        {
          path: b.path,
          apply: (fm) => {
            this.forget(fm, b, a);
            addLink(fm, "consistent_with", toA);
          }
        }
      ]
    };
  }
  /** A new note that supersedes both; the two are deprecated. The new note is reviewed: a person wrote it. */
  merge(a, b, bodies, id, folder) {
    const today2 = this.today;
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
      reviewed: today2,
      supersedes: [`[[${a.name}]]`, `[[${b.name}]]`]
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
function retire(fm, today2, reason) {
  fm.status = "deprecated";
  fm.valid_to = today2;
  if (reason && fm.deprecated_reason === void 0) fm.deprecated_reason = reason;
}
function stripFrontmatter(text2) {
  const match = /^---\r?\n[\s\S]*?\r?\n---[ \t]*(\r?\n|$)/.exec(text2);
  return match ? text2.slice(match[0].length) : text2;
}

// src/memory/memory.ts
function dateText(value) {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
  if (typeof value === "string" && value.trim()) return value.trim();
  if (typeof value === "number") return String(value);
  return void 0;
}
function text(value) {
  if (typeof value === "string" && value.trim()) return value.trim();
  if (typeof value === "number") return String(value);
  return void 0;
}
function basename(path) {
  const file = path.split("/").pop() ?? path;
  return file.toLowerCase().endsWith(".md") ? file.slice(0, -3) : file;
}
function memoryFromFrontmatter(path, fm, mtime = 0) {
  if (!fm) return null;
  const id = text(fm.id);
  if (!id) return null;
  const links = {};
  for (const kind of LINK_KINDS) {
    links[kind] = linkValues(fm, kind).map(linkTarget).filter((t) => t !== null);
  }
  const layer = typeof fm.layer === "number" ? fm.layer : Number.parseInt(String(fm.layer ?? ""), 10);
  return {
    path,
    name: basename(path),
    id,
    title: text(fm.title) ?? basename(path),
    project: text(fm.project),
    kind: text(fm.kind),
    layer: Number.isFinite(layer) ? layer : void 0,
    tags: (Array.isArray(fm.tags) ? fm.tags : fm.tags ? [fm.tags] : []).map(String).filter(Boolean),
    status: text(fm.status) ?? "active",
    reviewed: dateText(fm.reviewed),
    created: dateText(fm.created),
    sourceType: text(fm.source_type),
    sourceSession: text(fm.source_session),
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

// src/memory/names.ts
var FORBIDDEN = /[*"\\/<>:|?#^[\]\u0000-\u001f\u007f]/g;
var RESERVED = /* @__PURE__ */ new Set(["CON", "PRN", "AUX", "NUL", ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((i) => [`COM${i}`, `LPT${i}`])]);
var MAX_STEM = 100;
function noteStem(title, fallback = "memory") {
  let text2 = title.normalize("NFC").replace(FORBIDDEN, " ").replace(/\s+/g, " ").trim();
  text2 = text2.replace(/^\.+|\.+$/g, "").trim();
  if (text2.length > MAX_STEM) {
    const cut = text2.slice(0, MAX_STEM);
    const space = cut.lastIndexOf(" ");
    text2 = (space >= MAX_STEM / 2 ? cut.slice(0, space) : cut).replace(/[ .,;-]+$/, "");
  }
  if (!text2 || RESERVED.has(text2.toUpperCase())) text2 = fallback;
  return text2;
}
function numbered(stem, n) {
  return n <= 1 ? stem : `${stem} ${n}`;
}

// src/obsidian/vault-memories.ts
var import_obsidian = require("obsidian");

// src/memory/memory-set.ts
var MemorySet = class {
  constructor(memories, resolver = () => null) {
    this.resolver = resolver;
    this.byPathMap = /* @__PURE__ */ new Map();
    this.byKey = /* @__PURE__ */ new Map();
    this.byIdMap = /* @__PURE__ */ new Map();
    for (const memory of memories) {
      this.byPathMap.set(memory.path, memory);
      if (!this.byIdMap.has(memory.id)) this.byIdMap.set(memory.id, memory);
      for (const key of [memory.name, memory.id, memory.title]) {
        const k = key.toLowerCase();
        if (!this.byKey.has(k)) this.byKey.set(k, memory);
      }
    }
  }
  all() {
    return [...this.byPathMap.values()];
  }
  get size() {
    return this.byPathMap.size;
  }
  byPath(path) {
    return this.byPathMap.get(path);
  }
  byId(id) {
    return this.byIdMap.get(id);
  }
  /** The memory a link in `source` reaches, if it reaches one. */
  resolve(linkpath, source) {
    const path = this.resolver(linkpath, source.path);
    if (path) return this.byPathMap.get(path);
    return this.byKey.get(linkpath.toLowerCase());
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

// src/obsidian/vault-memories.ts
function inFolder(path, folder) {
  return path.startsWith(`${folder}/`) && path.toLowerCase().endsWith(".md");
}
function loadMemories(app, folder) {
  const memories = [];
  for (const file of app.vault.getMarkdownFiles()) {
    if (!inFolder(file.path, folder)) continue;
    const memory = memoryFromFrontmatter(file.path, app.metadataCache.getFileCache(file)?.frontmatter, file.stat.mtime);
    if (memory) memories.push(memory);
  }
  return new MemorySet(memories, (linkpath, source) => app.metadataCache.getFirstLinkpathDest(linkpath, source)?.path ?? null);
}
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
  constructor(app, folder) {
    this.app = app;
    this.folder = folder;
  }
  memories() {
    return loadMemories(this.app, this.folder());
  }
  memoryAt(path) {
    return this.memories().byPath(path);
  }
  async approve(memory) {
    await this.run(this.curator().approve(memory));
  }
  async deprecate(memory, successor) {
    await this.run(this.curator().deprecate(memory, successor));
  }
  /** Into Obsidian's trash (system or `.trash/`, as the person set it up): recoverable, out of recall. */
  async reject(memory) {
    await this.app.fileManager.trashFile(fileOf(this.app, memory.path));
    new import_obsidian2.Notice(`memem: moved \u201C${memory.title}\u201D to the trash`);
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
  async open(memory) {
    await this.app.workspace.getLeaf(false).openFile(fileOf(this.app, memory.path));
  }
  curator() {
    return new Curator(this.memories(), today(), obsidianLinktext(this.app));
  }
  /** The new note first (so its links resolve), then each edit; files are looked up before any write. */
  async run(plan) {
    const targets = plan.edits.map((edit) => ({ edit, file: fileOf(this.app, edit.path) }));
    let created;
    if (plan.create) {
      const { folder, title, frontmatter, body } = plan.create;
      const stem = noteStem(title);
      let path = `${folder}/${stem}.md`;
      for (let n = 2; this.app.vault.getAbstractFileByPath(path); n++) path = `${folder}/${numbered(stem, n)}.md`;
      created = await this.app.vault.create(path, `---
${(0, import_obsidian2.stringifyYaml)(frontmatter)}---

${body}`);
    }
    for (const { edit, file } of targets) await this.app.fileManager.processFrontMatter(file, edit.apply);
    new import_obsidian2.Notice(`memem: ${plan.summary}`);
    return created;
  }
};
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
  const byDate = (b.created ?? "").localeCompare(a.created ?? "");
  return byDate !== 0 ? byDate : b.mtime - a.mtime;
}
function reviewQueue(memories, filter = {}) {
  return memories.all().filter((m) => !m.reviewed && isActive(m)).filter((m) => !filter.project || (filter.project === GLOBAL ? !m.project : m.project === filter.project)).filter((m) => !filter.kind || m.kind === filter.kind).sort(newestFirst);
}
var GLOBAL = "(global)";
function facets(memories) {
  const queue = reviewQueue(memories);
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

// src/memory/snippet.ts
function snippet(text2, max = 160) {
  const body = stripFrontmatter(text2);
  const paragraph = body.split(/\r?\n\s*\r?\n/).map((p) => p.trim()).find((p) => p && !/^#{1,6}\s/.test(p)) ?? "";
  const plain = paragraph.replace(/!?\[\[([^\]|#]+)(?:#[^\]|]*)?(?:\|([^\]]+))?\]\]/g, (_m, target, alias) => alias ?? target).replace(/\[([^\]]+)\]\([^)]*\)/g, "$1").replace(/[*_`>]/g, "").replace(/\s+/g, " ").trim();
  return plain.length <= max ? plain : `${plain.slice(0, max - 1).trimEnd()}\u2026`;
}

// src/obsidian/memory-view.ts
var import_obsidian3 = require("obsidian");
var MemoryView = class extends import_obsidian3.ItemView {
  constructor(leaf, ctx) {
    super(leaf);
    this.ctx = ctx;
    this.requestRender = (0, import_obsidian3.debounce)(() => void this.render(), 250, true);
  }
  get content() {
    return this.containerEl.children[1];
  }
  async onOpen() {
    this.content.addClass("memem-pane");
    const relevant = (path) => inFolder(path, this.ctx.settings().memoriesFolder);
    this.registerEvent(this.app.metadataCache.on("changed", (file) => relevant(file.path) && this.requestRender()));
    this.registerEvent(this.app.vault.on("delete", (file) => relevant(file.path) && this.requestRender()));
    this.registerEvent(
      this.app.vault.on("rename", (file, old) => (relevant(file.path) || relevant(old)) && this.requestRender())
    );
    await this.render();
  }
  async onClose() {
    this.content.empty();
  }
  /** Run an action from a button: errors become a notice, and the pane redraws either way. */
  async act(action) {
    try {
      await action();
    } catch (error) {
      new import_obsidian3.Notice(`memem: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.requestRender();
  }
  button(parent, label, hint, onClick, cta = false) {
    const button = parent.createEl("button", { text: label, attr: { "aria-label": hint, title: hint } });
    if (cta) button.addClass("mod-cta");
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      void this.act(onClick);
    });
    return button;
  }
};

// src/obsidian/contradictions-view.ts
var CONTRADICTIONS_VIEW = "memem-contradictions";
var ContradictionsView = class extends MemoryView {
  getViewType() {
    return CONTRADICTIONS_VIEW;
  }
  getDisplayText() {
    return "Memory contradictions";
  }
  getIcon() {
    return "git-compare";
  }
  async render() {
    const pairs = openContradictions(this.ctx.actions.memories());
    const root = this.content;
    root.empty();
    root.addClass("memem-contradictions");
    root.createDiv({ cls: "memem-pane-header" }).createEl("h4", { text: `Contradictions (${pairs.length})` });
    if (pairs.length === 0) {
      root.createDiv({ cls: "memem-empty", text: "No open contradictions. memem links them here when a new lesson disagrees with an old one." });
      return;
    }
    for (const { left, right } of pairs) {
      const pair = root.createDiv({ cls: "memem-pair", attr: { "data-left": left.path, "data-right": right.path } });
      const sides = pair.createDiv({ cls: "memem-pair-sides" });
      this.side(sides, left, "left");
      this.side(sides, right, "right");
      const buttons = pair.createDiv({ cls: "memem-actions" });
      const { actions } = this.ctx;
      this.button(buttons, "Keep left", "Keep the left memory; deprecate the right one", () => actions.keep(left, right));
      this.button(buttons, "Keep right", "Keep the right memory; deprecate the left one", () => actions.keep(right, left));
      this.button(buttons, "Keep both", "Both hold: stop flagging this pair", () => actions.keepBoth(left, right));
      this.button(buttons, "Merge", "Write one note that replaces both, and open it", async () => {
        const note = await actions.merge(left, right);
        if (note) await this.app.workspace.getLeaf(false).openFile(note);
      });
    }
  }
  side(parent, memory, which) {
    const card = parent.createDiv({ cls: `memem-card memem-side-${which}` });
    const title = card.createDiv({ cls: "memem-card-title", text: memory.title });
    title.addEventListener("click", () => void this.act(() => this.ctx.actions.open(memory)));
    const meta = [memory.kind, memory.project ?? "global", memory.created, memory.reviewed ? "reviewed" : "unreviewed"];
    card.createDiv({ cls: "memem-card-meta", text: meta.filter(Boolean).join(" \xB7 ") });
    const text2 = card.createDiv({ cls: "memem-card-snippet" });
    const file = this.app.vault.getAbstractFileByPath(memory.path);
    if (file instanceof import_obsidian4.TFile) void this.app.vault.cachedRead(file).then((body) => text2.setText(snippet(body, 400)));
  }
};

// src/obsidian/platform.ts
var import_obsidian5 = require("obsidian");
var obsidianTransport = async (request) => {
  const response = await (0, import_obsidian5.requestUrl)({ ...request, throw: false, contentType: "application/json" });
  let json = null;
  try {
    json = response.json;
  } catch {
    json = null;
  }
  return { status: response.status, json };
};
function nodeFiles() {
  if (!import_obsidian5.Platform.isDesktopApp) return null;
  let fs;
  try {
    fs = require("fs");
  } catch {
    return null;
  }
  return {
    readText: (path) => fs.promises.readFile(path, "utf8").catch(() => null),
    listDirs: async (path) => (await fs.promises.readdir(path, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => e.name),
    realpath: (path) => fs.promises.realpath(path).catch(() => path)
  };
}
function defaultMemDir() {
  if (!import_obsidian5.Platform.isDesktopApp) return null;
  try {
    const os = require("os");
    const env = globalThis.process?.env;
    return env?.MEMEM_DIR || `${os.homedir()}/.memem`;
  } catch {
    return null;
  }
}

// src/obsidian/related-view.ts
var RELATED_VIEW = "memem-related";
var RelatedView = class extends MemoryView {
  constructor() {
    super(...arguments);
    this.generation = 0;
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
    this.registerEvent(this.app.workspace.on("file-open", () => this.requestRender()));
    await super.onOpen();
  }
  async render() {
    const generation = ++this.generation;
    const file = this.app.workspace.getActiveFile();
    const memories = this.ctx.actions.memories();
    const memory = file ? memories.byPath(file.path) : void 0;
    const root = this.content;
    root.empty();
    root.addClass("memem-related");
    const header = root.createDiv({ cls: "memem-pane-header" });
    if (!file || !memory) {
      header.createEl("h4", { text: "Related memories" });
      root.createDiv({ cls: "memem-empty", text: "Open a memory to see what it is linked to and what says something similar." });
      return;
    }
    header.createEl("h4", { text: memory.title });
    const state = [memory.status, memory.kind, memory.project ?? "global"].filter(Boolean).join(" \xB7 ");
    header.createDiv({ cls: "memem-card-meta", text: state });
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
    const [typed, similar] = await Promise.all([this.typed(memory, memories), this.similar(file, memory)]);
    if (generation !== this.generation) return;
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
      const title = item.createSpan({ cls: "memem-link", text: ` ${edge.title}` });
      if (edge.status === "deprecated") item.addClass("is-deprecated");
      const target = edge.path ? memories.byPath(edge.path) : edge.id ? memories.byId(edge.id) : void 0;
      if (target) title.addEventListener("click", () => void this.act(() => this.ctx.actions.open(target)));
    }
  }
  hit(parent, hit, memories) {
    const item = parent.createDiv({ cls: "memem-hit" });
    const title = item.createDiv({ cls: "memem-link", text: hit.title });
    item.createDiv({ cls: "memem-card-snippet", text: hit.snippet });
    item.createDiv({ cls: "memem-card-meta", text: `${hit.score.toFixed(2)} \xB7 ${hit.why.slice(0, 2).join(", ")}` });
    const target = memories.byPath(hit.path);
    if (target) title.addEventListener("click", () => void this.act(() => this.ctx.actions.open(target)));
  }
};
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

// src/obsidian/review-view.ts
var import_obsidian6 = require("obsidian");
var REVIEW_VIEW = "memem-review";
var SHOWN = 200;
var ReviewView = class extends MemoryView {
  constructor() {
    super(...arguments);
    this.filter = {};
    this.selected = 0;
    this.shown = [];
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
  async render() {
    const memories = this.ctx.actions.memories();
    const queue = reviewQueue(memories, this.filter);
    this.shown = queue.slice(0, SHOWN);
    const root = this.content;
    root.empty();
    root.addClass("memem-review");
    const header = root.createDiv({ cls: "memem-pane-header" });
    header.createEl("h4", { text: `To review (${queue.length})` });
    const { projects, kinds } = facets(memories);
    this.select(header, "All projects", projects, this.filter.project, (project) => this.filter.project = project);
    this.select(header, "All kinds", kinds, this.filter.kind, (kind) => this.filter.kind = kind);
    if (queue.length === 0) {
      root.createDiv({ cls: "memem-empty", text: "Nothing to review. New memories appear here as Claude learns them." });
      return;
    }
    const list = root.createDiv({ cls: "memem-list", attr: { role: "listbox", "aria-label": "Memories to review" } });
    this.selected = Math.min(this.selected, this.shown.length - 1);
    this.shown.forEach((memory, index) => this.card(list, memory, index));
    if (queue.length > SHOWN) list.createDiv({ cls: "memem-more", text: `and ${queue.length - SHOWN} more\u2026` });
  }
  card(list, memory, index) {
    const card = list.createDiv({
      cls: "memem-card",
      attr: { role: "option", tabindex: "0", "data-path": memory.path, "aria-selected": String(index === this.selected) }
    });
    if (index === this.selected) card.addClass("is-selected");
    card.addEventListener("focus", () => this.choose(index, false));
    const title = card.createDiv({ cls: "memem-card-title", text: memory.title });
    title.addEventListener("click", () => void this.act(() => this.ctx.actions.open(memory)));
    const meta = [memory.kind, memory.project ?? "global", memory.created, session(memory)].filter(Boolean);
    card.createDiv({ cls: "memem-card-meta", text: meta.join(" \xB7 ") });
    const text2 = card.createDiv({ cls: "memem-card-snippet" });
    const file = this.app.vault.getAbstractFileByPath(memory.path);
    if (file instanceof import_obsidian6.TFile) void this.app.vault.cachedRead(file).then((body) => text2.setText(snippet(body)));
    const buttons = card.createDiv({ cls: "memem-actions" });
    this.button(buttons, "Approve", "Approve (a): mark reviewed", () => this.ctx.actions.approve(memory), true);
    this.button(buttons, "Edit", "Edit (e): open the note", () => this.ctx.actions.open(memory));
    this.button(
      buttons,
      "Deprecate",
      "Deprecate (d), optionally naming its successor",
      async () => this.ctx.deprecateWithPrompt(memory.path)
    );
    this.button(buttons, "Reject", "Reject (x): move to the trash", () => this.ctx.actions.reject(memory)).addClass(
      "mod-warning"
    );
  }
  select(parent, all, values, current, set) {
    const select = parent.createEl("select", { cls: "dropdown", attr: { "aria-label": all } });
    select.createEl("option", { text: all, value: "" });
    for (const value of values) select.createEl("option", { text: value === GLOBAL ? "Global" : value, value });
    select.value = current ?? "";
    select.addEventListener("change", () => {
      set(select.value || void 0);
      this.selected = 0;
      void this.render();
    });
  }
  choose(index, focus = true) {
    const cards = Array.from(this.content.querySelectorAll(".memem-card"));
    if (cards.length === 0) return;
    this.selected = Math.max(0, Math.min(index, cards.length - 1));
    cards.forEach((card, i) => {
      card.toggleClass("is-selected", i === this.selected);
      card.setAttr("aria-selected", String(i === this.selected));
    });
    if (focus) cards[this.selected].focus();
  }
  onKey(event) {
    if (event.target instanceof HTMLSelectElement || event.metaKey || event.ctrlKey || event.altKey) return;
    const memory = this.shown[this.selected];
    const run = (action) => {
      event.preventDefault();
      void this.act(action).then(() => this.choose(this.selected));
    };
    switch (event.key) {
      case "ArrowDown":
      case "j":
        event.preventDefault();
        return this.choose(this.selected + 1);
      case "ArrowUp":
      case "k":
        event.preventDefault();
        return this.choose(this.selected - 1);
    }
    if (!memory) return;
    if (event.key === "a") run(() => this.ctx.actions.approve(memory));
    else if (event.key === "e" || event.key === "Enter") run(() => this.ctx.actions.open(memory));
    else if (event.key === "d") run(async () => this.ctx.deprecateWithPrompt(memory.path));
    else if (event.key === "x" || event.key === "Delete") run(() => this.ctx.actions.reject(memory));
  }
};
function session(memory) {
  if (!memory.sourceSession) return memory.sourceType;
  return `session ${memory.sourceSession.slice(0, 8)}`;
}

// src/obsidian/settings-tab.ts
var import_obsidian7 = require("obsidian");

// src/settings.ts
var DEFAULT_SETTINGS = Object.freeze({
  memoriesFolder: "memem/memories",
  memDir: "",
  daemonAddress: "",
  daemonToken: "",
  statusSeconds: 15
});
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
    return "Not an address; for example http://127.0.0.1:8765";
  }
}

// src/obsidian/settings-tab.ts
var MememSettingTab = class extends import_obsidian7.PluginSettingTab {
  constructor(app, host) {
    super(app, host);
    this.host = host;
  }
  display() {
    const { containerEl } = this;
    const settings = this.host.settings;
    containerEl.empty();
    new import_obsidian7.Setting(containerEl).setName("Memories folder").setDesc("The folder, relative to the vault, where memem keeps one note per memory.").addText(
      (text2) => text2.setPlaceholder(DEFAULT_SETTINGS.memoriesFolder).setValue(settings.memoriesFolder).onChange(async (value) => {
        settings.memoriesFolder = normalizeFolder(value) || DEFAULT_SETTINGS.memoriesFolder;
        await this.host.saveSettings();
      })
    );
    const address = new import_obsidian7.Setting(containerEl).setName("Daemon address").setDesc("Leave empty to find the daemon serving this vault automatically (desktop).");
    address.addText(
      (text2) => text2.setPlaceholder("http://127.0.0.1:8765").setValue(settings.daemonAddress).onChange(async (value) => {
        const problem = checkAddress(value);
        address.setDesc(problem ?? "Used instead of discovery.");
        if (problem) return;
        settings.daemonAddress = value.trim();
        await this.host.saveSettings();
      })
    );
    new import_obsidian7.Setting(containerEl).setName("Daemon token").setDesc("Leave empty to read memem's per-install token from its state folder.").addText((text2) => {
      text2.inputEl.type = "password";
      text2.setValue(settings.daemonToken).onChange(async (value) => {
        settings.daemonToken = value.trim();
        await this.host.saveSettings();
      });
    });
    new import_obsidian7.Setting(containerEl).setName("memem state folder").setDesc("Where memem keeps its token and indexes (MEMEM_DIR). Empty means ~/.memem.").addText(
      (text2) => text2.setValue(settings.memDir).onChange(async (value) => {
        settings.memDir = value.trim();
        await this.host.saveSettings();
      })
    );
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
async function refreshStatus(el, daemon) {
  let shown;
  try {
    shown = describeStatus(await daemon.status());
    el.removeClass("memem-off");
  } catch (error) {
    shown = describeStatus(null, error instanceof Error ? error.message : String(error));
    el.addClass("memem-off");
  }
  el.setText(shown.text);
  el.setAttr("aria-label", shown.title);
  el.setAttr("title", shown.title);
}

// src/obsidian/successor-modal.ts
var import_obsidian8 = require("obsidian");
var NONE = /* @__PURE__ */ Symbol("no successor");
var SuccessorModal = class extends import_obsidian8.FuzzySuggestModal {
  constructor(app, memory, candidates, done) {
    super(app);
    this.memory = memory;
    this.candidates = candidates;
    this.done = done;
    this.setPlaceholder(`Deprecate \u201C${memory.title}\u201D: which memory replaces it? (Esc cancels)`);
    this.setInstructions([
      { command: "\u2191\u2193", purpose: "choose" },
      { command: "\u21B5", purpose: "deprecate" },
      { command: "esc", purpose: "cancel" }
    ]);
  }
  getItems() {
    return [NONE, ...this.candidates.filter((m) => m.path !== this.memory.path)];
  }
  getItemText(item) {
    if (item === NONE) return "No successor: just deprecate it";
    return item.project ? `${item.title} (${item.project})` : item.title;
  }
  onChooseItem(item) {
    this.done(item === NONE ? void 0 : item);
  }
};

// src/main.ts
var MememPlugin = class extends import_obsidian9.Plugin {
  async onload() {
    this.settings = mergeSettings(await this.loadData());
    this.actions = new MemoryActions(this.app, () => this.settings.memoriesFolder);
    this.daemon = new DaemonClient(() => this.endpoint(), obsidianTransport);
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
      checkCallback: (checking) => this.onActiveMemory(checking, (path) => this.deprecateWithPrompt(path))
    });
    this.addCommand({
      id: "approve",
      name: "Approve this memory",
      checkCallback: (checking) => this.onActiveMemory(checking, (path) => {
        const memory = this.actions.memoryAt(path);
        if (memory) void this.actions.approve(memory);
      })
    });
    this.registerEvent(
      this.app.workspace.on("file-menu", (menu, file) => {
        const memory = file instanceof import_obsidian9.TFile ? this.actions.memoryAt(file.path) : void 0;
        if (!memory || memory.status === "deprecated") return;
        menu.addItem(
          (item) => item.setTitle("Deprecate memory\u2026").setIcon("archive").onClick(() => this.deprecateWithPrompt(memory.path))
        );
      })
    );
    this.statusEl = this.addStatusBarItem();
    this.statusEl.addClass("memem-status");
    this.statusEl.setText("memem: \u2026");
    this.app.workspace.onLayoutReady(() => void this.refreshStatus());
    this.registerInterval(window.setInterval(() => void this.refreshStatus(), this.settings.statusSeconds * 1e3));
    this.addSettingTab(new MememSettingTab(this.app, this));
  }
  async saveSettings() {
    await this.saveData(this.settings);
    void this.refreshStatus();
  }
  async refreshStatus() {
    if (this.statusEl) await refreshStatus(this.statusEl, this.daemon);
  }
  deprecateWithPrompt(path) {
    const memories = this.actions.memories();
    const memory = memories.byPath(path);
    if (!memory) return;
    const candidates = memories.active().sort((a, b) => a.title.localeCompare(b.title));
    new SuccessorModal(this.app, memory, candidates, (successor) => void this.actions.deprecate(memory, successor)).open();
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
  onActiveMemory(checking, run) {
    const file = this.app.workspace.getActiveFile();
    const memory = file ? this.actions.memoryAt(file.path) : void 0;
    if (!file || !memory) return false;
    if (!checking) run(file.path);
    return true;
  }
  async endpoint() {
    const memDir = this.settings.memDir || defaultMemDir();
    const adapter = this.app.vault.adapter;
    const vaultPath = typeof adapter.getBasePath === "function" ? adapter.getBasePath() : null;
    const files = nodeFiles();
    if (this.settings.daemonAddress && this.settings.daemonToken) {
      return { url: this.settings.daemonAddress, token: this.settings.daemonToken };
    }
    if (!memDir || !vaultPath || !files) return null;
    return discoverDaemon(
      { memDir, vaultPath, address: this.settings.daemonAddress, token: this.settings.daemonToken },
      files
    );
  }
};
