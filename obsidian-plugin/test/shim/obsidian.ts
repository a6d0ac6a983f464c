/**
 * A hand-written stand-in for the `obsidian` module: only what the plugin imports, backed by a real
 * folder (Node), an in-memory map (unit tests) or the page's bridge to Node (screenshots). It is the
 * Obsidian API mocked at its edge: notes are real text, frontmatter is real YAML, edits are real writes.
 */

import { parse as parseYamlText, stringify } from "yaml";

// ---- storage under the vault --------------------------------------------------------------------

export interface StoredFile {
    path: string;
    mtime: number;
    size: number;
}

/** Where the notes really are: a folder on disk, a map in memory, or Node across a page bridge. */
export interface VaultStorage {
    basePath?: string;
    list(): Promise<StoredFile[]>;
    read(path: string): Promise<string>;
    write(path: string, data: string): Promise<StoredFile>;
    /** Obsidian's local trash: the note moves to `.trash/`, recoverable. */
    trash(path: string): Promise<void>;
    /** A rename or move inside the vault. */
    move(from: string, to: string): Promise<StoredFile>;
}

export function memoryStorage(files: Record<string, string>): VaultStorage & { files: Record<string, string>; trashed: string[] } {
    const trashed: string[] = [];
    let clock = 1_700_000_000_000;
    const mtimes: Record<string, number> = {};
    return {
        files,
        trashed,
        async list() {
            return Object.keys(files).map((path) => ({ path, mtime: (mtimes[path] ??= clock++), size: files[path].length }));
        },
        async read(path) {
            if (!(path in files)) throw new Error(`ENOENT: ${path}`);
            return files[path];
        },
        async write(path, data) {
            files[path] = data;
            mtimes[path] = clock++;
            return { path, mtime: mtimes[path], size: data.length };
        },
        async trash(path) {
            trashed.push(path);
            delete files[path];
        },
        async move(from, to) {
            files[to] = files[from];
            delete files[from];
            // A rename keeps the file's modification time, as on disk.
            mtimes[to] = mtimes[from] ?? clock++;
            delete mtimes[from];
            return { path: to, mtime: mtimes[to], size: files[to].length };
        },
    };
}

// ---- events and components ----------------------------------------------------------------------

export interface EventRef {
    events: Events;
    name: string;
    fn: (...args: unknown[]) => unknown;
}

export class Events {
    private handlers = new Map<string, Set<EventRef>>();
    on(name: string, fn: (...args: never[]) => unknown): EventRef {
        const ref: EventRef = { events: this, name, fn: fn as (...args: unknown[]) => unknown };
        if (!this.handlers.has(name)) this.handlers.set(name, new Set());
        this.handlers.get(name)?.add(ref);
        return ref;
    }
    offref(ref: EventRef): void {
        this.handlers.get(ref.name)?.delete(ref);
    }
    trigger(name: string, ...args: unknown[]): void {
        for (const ref of [...(this.handlers.get(name) ?? [])]) ref.fn(...args);
    }
}

export class Component {
    private cleanups: (() => void)[] = [];
    load(): void {
        void (this as { onload?: () => unknown }).onload?.();
    }
    unload(): void {
        for (const cleanup of this.cleanups.splice(0)) cleanup();
        (this as { onunload?: () => unknown }).onunload?.();
    }
    register(cb: () => void): void {
        this.cleanups.push(cb);
    }
    registerEvent(ref: EventRef): void {
        this.cleanups.push(() => ref.events.offref(ref));
    }
    registerInterval(id: number): number {
        this.cleanups.push(() => clearInterval(id));
        return id;
    }
}

// ---- files ----------------------------------------------------------------------------------------

export class TAbstractFile {
    path = "";
    name = "";
}

export class TFile extends TAbstractFile {
    basename = "";
    extension = "md";
    stat = { ctime: 0, mtime: 0, size: 0 };
    constructor(path: string, mtime = 0, size = 0) {
        super();
        this.setPath(path);
        this.stat = { ctime: mtime, mtime, size };
    }
    setPath(path: string): void {
        this.path = path;
        this.name = path.split("/").pop() ?? path;
        const dot = this.name.lastIndexOf(".");
        this.basename = dot > 0 ? this.name.slice(0, dot) : this.name;
        this.extension = dot > 0 ? this.name.slice(dot + 1) : "";
    }
}

export class TFolder extends TAbstractFile {}

export class FileSystemAdapter {
    constructor(private readonly basePath: string) {}
    getBasePath(): string {
        return this.basePath;
    }
}

export class Vault extends Events {
    private files = new Map<string, TFile>();
    adapter: FileSystemAdapter | object;
    configDir = ".obsidian";

    constructor(
        readonly storage: VaultStorage,
        private readonly metadata: () => MetadataCache,
    ) {
        super();
        this.adapter = storage.basePath ? new FileSystemAdapter(storage.basePath) : {};
    }

    /** Read every note once, as Obsidian does when it opens a vault. */
    async load(): Promise<void> {
        for (const stored of await this.storage.list()) {
            if (!stored.path.endsWith(".md") || stored.path.startsWith(".")) continue;
            const file = new TFile(stored.path, stored.mtime, stored.size);
            this.files.set(file.path, file);
            this.metadata().index(file, await this.storage.read(file.path), true);
        }
    }

    getMarkdownFiles(): TFile[] {
        return this.markdownFiles();
    }
    /** The same list for the stand-in's own use (link resolution): Obsidian keeps an index for that, so
     *  the benchmark counts only the plugin's calls of `getMarkdownFiles` as vault scans. */
    markdownFiles(): TFile[] {
        return [...this.files.values()].filter((f) => f.extension === "md");
    }
    /** A file, or (as Obsidian's folder tree has it) a folder that holds one. */
    getAbstractFileByPath(path: string): TAbstractFile | null {
        const file = this.files.get(path);
        if (file) return file;
        if (![...this.files.keys()].some((p) => p.startsWith(`${path}/`))) return null;
        const folder = new TFolder();
        folder.path = path;
        folder.name = path.split("/").pop() ?? path;
        return folder;
    }
    getFileByPath(path: string): TFile | null {
        return this.files.get(path) ?? null;
    }
    read(file: TFile): Promise<string> {
        return this.storage.read(file.path);
    }
    cachedRead(file: TFile): Promise<string> {
        return this.storage.read(file.path);
    }
    async modify(file: TFile, data: string): Promise<void> {
        const stored = await this.storage.write(file.path, data);
        file.stat = { ...file.stat, mtime: stored.mtime, size: stored.size };
        this.trigger("modify", file);
        this.metadata().index(file, data);
    }
    async process(file: TFile, fn: (data: string) => string): Promise<string> {
        const data = fn(await this.read(file));
        await this.modify(file, data);
        return data;
    }
    async create(path: string, data: string): Promise<TFile> {
        if (this.files.has(path)) throw new Error("File already exists.");
        const stored = await this.storage.write(path, data);
        const file = new TFile(path, stored.mtime, stored.size);
        this.files.set(path, file);
        this.trigger("create", file);
        this.metadata().index(file, data);
        return file;
    }
    /** Move a note: the file object keeps its identity, `rename` fires with the old path. */
    async rename(file: TFile, newPath: string): Promise<void> {
        const stored = await this.storage.move(file.path, newPath);
        const oldPath = file.path;
        this.files.delete(oldPath);
        file.setPath(newPath);
        file.stat = { ...file.stat, mtime: stored.mtime };
        this.files.set(newPath, file);
        this.metadata().move(oldPath, newPath);
        this.trigger("rename", file, oldPath);
    }
    async trash(file: TFile, _system: boolean): Promise<void> {
        await this.storage.trash(file.path);
        this.files.delete(file.path);
        this.metadata().forget(file);
        this.trigger("delete", file);
    }
}

// ---- metadata -------------------------------------------------------------------------------------

const FRONTMATTER = /^---\r?\n([\s\S]*?)\r?\n?---[ \t]*(?:\r?\n|$)/;

export function splitFrontmatter(text: string): { yaml: string | null; body: string } {
    const match = FRONTMATTER.exec(text);
    return match ? { yaml: match[1], body: text.slice(match[0].length) } : { yaml: null, body: text };
}

export class MetadataCache extends Events {
    private cache = new Map<string, { frontmatter?: Record<string, unknown> }>();
    constructor(private readonly vault: () => Vault) {
        super();
    }
    /**
     * Parse a note. At vault load it is immediate (Obsidian opens a vault with its cache ready); after a
     * write the parse lands a task later, as in Obsidian, where a worker parses the file after `modify`
     * and `processFrontMatter` resolve: code must not read its own edit back from the cache at once.
     * Each parse fires `changed` (file, text, cache), then `resolved`, as the API documents.
     */
    index(file: TFile, text: string, immediate = false): void {
        if (immediate) return this.parse(file, text);
        this.pending += 1;
        setTimeout(() => {
            this.pending -= 1;
            if (this.vault().getFileByPath(file.path) === file) this.parse(file, text);
        }, 0);
    }
    /** Writes whose parse has not landed yet: tests wait for zero, as Obsidian's cache settles. */
    pending = 0;
    private parse(file: TFile, text: string): void {
        const { yaml } = splitFrontmatter(text);
        let frontmatter: Record<string, unknown> | undefined;
        try {
            const parsed = yaml === null ? undefined : parseYaml(yaml);
            frontmatter = parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : undefined;
        } catch {
            frontmatter = undefined; // Obsidian shows invalid properties as none
        }
        const entry = frontmatter ? { frontmatter } : {};
        this.cache.set(file.path, entry);
        this.trigger("changed", file, text, entry);
        this.trigger("resolved");
    }
    /** A rename moves the cache entry; Obsidian fires no `changed` for it (the vault fires `rename`). */
    move(oldPath: string, newPath: string): void {
        const entry = this.cache.get(oldPath);
        this.cache.delete(oldPath);
        if (entry) this.cache.set(newPath, entry);
    }
    forget(file: TFile): void {
        this.cache.delete(file.path);
    }
    getFileCache(file: TFile): { frontmatter?: Record<string, unknown> } | null {
        return this.cache.get(file.path) ?? null;
    }
    getFirstLinkpathDest(linkpath: string, _source: string): TFile | null {
        const wanted = linkpath.toLowerCase().replace(/\.md$/, "");
        const files = this.vault().markdownFiles();
        return (
            files.find((f) => f.path.toLowerCase().replace(/\.md$/, "") === wanted) ??
            files.find((f) => f.basename.toLowerCase() === wanted) ??
            null
        );
    }
    fileToLinktext(file: TFile, _source: string, omitMdExtension = true): string {
        const same = this.vault()
            .markdownFiles()
            .filter((f) => f.basename.toLowerCase() === file.basename.toLowerCase());
        if (same.length === 1) return file.basename;
        return omitMdExtension ? file.path.replace(/\.md$/, "") : file.path;
    }
}

export class FileManager {
    constructor(private readonly vault: Vault) {}
    /** Obsidian's contract: parse the properties, let `fn` mutate them, write them back as YAML. */
    async processFrontMatter(file: TFile, fn: (frontmatter: Record<string, unknown>) => void): Promise<void> {
        await this.vault.process(file, (text) => {
            const { yaml, body } = splitFrontmatter(text);
            const frontmatter = (yaml === null ? {} : (parseYaml(yaml) ?? {})) as Record<string, unknown>;
            fn(frontmatter);
            return `---\n${stringifyYaml(frontmatter)}---\n${body}`;
        });
    }
    async trashFile(file: TFile): Promise<void> {
        await this.vault.trash(file, false);
    }
}

// ---- workspace and views --------------------------------------------------------------------------

export class WorkspaceLeaf {
    view: ItemView | null = null;
    constructor(readonly app: App) {}
    async setViewState(state: { type: string; active?: boolean }): Promise<void> {
        const creator = this.app.workspace.viewCreators.get(state.type);
        if (!creator) throw new Error(`no view registered for ${state.type}`);
        this.view = creator(this);
        this.app.workspace.leaves.push(this);
        this.app.workspace.containerEl.appendChild(this.view.containerEl);
        this.view.load();
        await this.view.onOpen();
    }
    async openFile(file: TFile): Promise<void> {
        this.app.workspace.setActiveFile(file);
    }
    detach(): void {
        void this.view?.onClose();
        this.view?.unload();
        this.view?.containerEl.remove();
        this.app.workspace.leaves = this.app.workspace.leaves.filter((l) => l !== this);
    }
}

export class Workspace extends Events {
    leaves: WorkspaceLeaf[] = [];
    viewCreators = new Map<string, (leaf: WorkspaceLeaf) => ItemView>();
    containerEl: HTMLElement;
    private active: TFile | null = null;
    opened: string[] = [];
    constructor(private readonly app: App) {
        super();
        this.containerEl = document.createElement("div");
        this.containerEl.className = "workspace";
        // In the document, as Obsidian's workspace is: a pane in it is shown unless hidden (see isShown).
        document.body.appendChild(this.containerEl);
    }
    layoutReady = true;
    /** What a click on an internal link does: open its target (in a new tab with the modifier). */
    async openLinkText(linktext: string, sourcePath: string, newLeaf?: boolean | string): Promise<void> {
        const file = this.app.metadataCache.getFirstLinkpathDest(linktext, sourcePath);
        this.linkOpens.push({ linktext, newLeaf: newLeaf ?? false });
        if (file) this.setActiveFile(file);
    }
    linkOpens: { linktext: string; newLeaf: boolean | string }[] = [];
    getLeavesOfType(type: string): WorkspaceLeaf[] {
        return this.leaves.filter((l) => l.view?.getViewType() === type);
    }
    getRightLeaf(_split: boolean): WorkspaceLeaf {
        return new WorkspaceLeaf(this.app);
    }
    /** What each `getLeaf` asked for: false reuses the current tab, true or "tab" opens a new one. */
    leafRequests: (boolean | string)[] = [];
    getLeaf(newLeaf?: boolean | string): WorkspaceLeaf {
        this.leafRequests.push(newLeaf ?? false);
        return new WorkspaceLeaf(this.app);
    }
    async revealLeaf(_leaf: WorkspaceLeaf): Promise<void> {}
    getActiveFile(): TFile | null {
        return this.active;
    }
    setActiveFile(file: TFile | null): void {
        this.active = file;
        if (file) this.opened.push(file.path);
        this.trigger("file-open", file);
    }
    onLayoutReady(cb: () => void): void {
        cb();
    }
    /** Re-layout (a tab shown, a sidebar opened): Obsidian fires `layout-change`. */
    layoutChanged(): void {
        this.trigger("layout-change");
    }
}

/** Obsidian 1.11.4+: secrets in the system keychain, by lowercase id. */
export class SecretStorage {
    private secrets = new Map<string, string>();
    setSecret(id: string, secret: string): void {
        if (!/^[a-z0-9-]+$/.test(id)) throw new Error(`invalid secret id ${id}`);
        this.secrets.set(id, secret);
    }
    getSecret(id: string): string | null {
        return this.secrets.get(id) ?? null;
    }
    listSecrets(): string[] {
        return [...this.secrets.keys()];
    }
}

export class App {
    vault: Vault;
    secretStorage: SecretStorage = new SecretStorage();
    /** The vault's localStorage on this device (Obsidian 1.8.7+): JSON values, `null` clears. */
    readonly localStorage = new Map<string, string>();
    loadLocalStorage(key: string): unknown {
        const raw = this.localStorage.get(key);
        return raw === undefined ? null : (JSON.parse(raw) as unknown);
    }
    saveLocalStorage(key: string, data: unknown): void {
        if (data === null) this.localStorage.delete(key);
        else this.localStorage.set(key, JSON.stringify(data));
    }
    metadataCache: MetadataCache;
    fileManager: FileManager;
    workspace: Workspace;
    statusBarEl: HTMLElement;
    constructor(storage: VaultStorage) {
        this.statusBarEl = Object.assign(document.createElement("div"), { className: "status-bar" });
        this.metadataCache = new MetadataCache(() => this.vault);
        this.vault = new Vault(storage, () => this.metadataCache);
        this.fileManager = new FileManager(this.vault);
        this.workspace = new Workspace(this);
    }
}

export abstract class ItemView extends Component {
    app: App;
    containerEl: HTMLElement;
    constructor(readonly leaf: WorkspaceLeaf) {
        super();
        this.app = leaf.app;
        this.containerEl = document.createElement("div");
        this.containerEl.className = "workspace-leaf-content";
        const header = document.createElement("div");
        header.className = "view-header";
        const content = document.createElement("div");
        content.className = "view-content";
        this.containerEl.append(header, content);
    }
    abstract getViewType(): string;
    abstract getDisplayText(): string;
    getIcon(): string {
        return "document";
    }
    async onOpen(): Promise<void> {}
    async onClose(): Promise<void> {}
}

// ---- plugin, settings, modals, notices ------------------------------------------------------------

export interface Command {
    id: string;
    name: string;
    callback?: () => unknown;
    checkCallback?: (checking: boolean) => boolean | undefined;
}

export class Plugin extends Component {
    commands = new Map<string, Command>();
    settingTabs: PluginSettingTab[] = [];
    private data: unknown = null;
    constructor(
        readonly app: App,
        readonly manifest: { id: string; version: string },
    ) {
        super();
    }
    async loadData(): Promise<unknown> {
        return this.data;
    }
    async saveData(data: unknown): Promise<void> {
        this.data = JSON.parse(JSON.stringify(data));
    }
    addCommand(command: Command): Command {
        this.commands.set(command.id, command);
        return command;
    }
    registerView(type: string, creator: (leaf: WorkspaceLeaf) => ItemView): void {
        this.app.workspace.viewCreators.set(type, creator);
    }
    addRibbonIcon(_icon: string, title: string, onClick: () => unknown): HTMLElement {
        const el = document.createElement("div");
        el.setAttribute("aria-label", title);
        el.addEventListener("click", () => onClick());
        return el;
    }
    addStatusBarItem(): HTMLElement {
        const el = document.createElement("div");
        el.className = "status-bar-item";
        this.app.statusBarEl.appendChild(el);
        return el;
    }
    addSettingTab(tab: PluginSettingTab): void {
        this.settingTabs.push(tab);
    }
    hoverSources = new Map<string, { display: string; defaultMod: boolean }>();
    registerHoverLinkSource(id: string, info: { display: string; defaultMod: boolean }): void {
        this.hoverSources.set(id, info);
    }
}

export class PluginSettingTab {
    containerEl: HTMLElement;
    constructor(
        readonly app: App,
        readonly plugin: Plugin,
    ) {
        this.containerEl = document.createElement("div");
    }
}

class TextComponent {
    inputEl: HTMLInputElement;
    private handler?: (value: string) => unknown;
    constructor(parent: HTMLElement) {
        this.inputEl = document.createElement("input");
        parent.appendChild(this.inputEl);
        this.inputEl.addEventListener("input", () => void this.handler?.(this.inputEl.value));
    }
    setPlaceholder(text: string): this {
        this.inputEl.placeholder = text;
        return this;
    }
    setValue(value: string): this {
        this.inputEl.value = value;
        return this;
    }
    onChange(fn: (value: string) => unknown): this {
        this.handler = fn;
        return this;
    }
}

export class Setting {
    settingEl: HTMLElement;
    private descEl: HTMLElement;
    constructor(parent: HTMLElement) {
        this.settingEl = document.createElement("div");
        this.settingEl.className = "setting-item";
        this.descEl = document.createElement("div");
        this.descEl.className = "setting-item-description";
        this.settingEl.appendChild(this.descEl);
        parent.appendChild(this.settingEl);
    }
    setName(name: string): this {
        this.settingEl.setAttribute("data-name", name);
        return this;
    }
    setDesc(desc: string): this {
        this.descEl.textContent = desc;
        return this;
    }
    addText(cb: (text: TextComponent) => unknown): this {
        cb(new TextComponent(this.settingEl));
        return this;
    }
}

export const notices: string[] = [];
/** Shown notices, newest last, with their elements (a notice may carry a button, like Undo). */
export const noticeEls: HTMLElement[] = [];
export class Notice {
    messageEl: HTMLElement;
    constructor(message: string, _duration?: number) {
        notices.push(message);
        this.messageEl = document.createElement("div");
        this.messageEl.className = "notice";
        this.messageEl.textContent = message;
        noticeEls.push(this.messageEl);
    }
    hide(): void {
        this.messageEl.remove();
    }
}

export const openModals: Modal[] = [];
export class Modal {
    /** Obsidian puts an open modal in a `.modal-container` on the body; it takes the keyboard. */
    containerEl: HTMLElement;
    constructor(readonly app: App) {
        this.containerEl = document.createElement("div");
        this.containerEl.className = "modal-container";
    }
    open(): void {
        openModals.push(this);
        document.body.appendChild(this.containerEl);
        this.onOpen();
    }
    close(): void {
        openModals.splice(openModals.indexOf(this), 1);
        this.containerEl.remove();
        this.onClose();
    }
    onOpen(): void {}
    onClose(): void {}
}

export abstract class FuzzySuggestModal<T> extends Modal {
    placeholder = "";
    /** The search field: Obsidian focuses it on open, so the suggester takes the keyboard. */
    inputEl: HTMLInputElement = document.createElement("input");
    open(): void {
        this.containerEl.appendChild(this.inputEl);
        super.open();
        this.inputEl.focus();
    }
    setPlaceholder(text: string): void {
        this.placeholder = text;
    }
    /** The key hints shown under the suggestions. */
    instructions: { command: string; purpose: string }[] = [];
    setInstructions(instructions: { command: string; purpose: string }[]): void {
        this.instructions = instructions;
    }
    abstract getItems(): T[];
    abstract getItemText(item: T): string;
    abstract onChooseItem(item: T, evt: MouseEvent | KeyboardEvent): void;
    /** Esc: the suggester closes without a choice. */
    cancel(): void {
        this.close();
    }
    /** What typing `query` and pressing Enter does. The order (close, then report the choice) is the
     *  harder case, as plugin authors report Obsidian does it; it is not in the API documentation. */
    choose(query: string): T {
        const item = this.getItems().find((i) => this.getItemText(i).toLowerCase().includes(query.toLowerCase()));
        if (item === undefined) throw new Error(`no suggestion matches ${query}`);
        this.close();
        this.onChooseItem(item, new KeyboardEvent("keydown", { key: "Enter" }));
        return item;
    }
}

export class MenuItem {
    title = "";
    icon = "";
    handler?: (evt: MouseEvent | KeyboardEvent) => unknown;
    setTitle(title: string): this {
        this.title = title;
        return this;
    }
    setIcon(icon: string): this {
        this.icon = icon;
        return this;
    }
    onClick(fn: (evt: MouseEvent | KeyboardEvent) => unknown): this {
        this.handler = fn;
        return this;
    }
}

/** The last menu shown; a test picks an item by title as a click would. */
export const menus: Menu[] = [];
export class Menu {
    items: MenuItem[] = [];
    addItem(cb: (item: MenuItem) => unknown): this {
        const item = new MenuItem();
        cb(item);
        this.items.push(item);
        return this;
    }
    showAtMouseEvent(_evt: MouseEvent): this {
        menus.push(this);
        return this;
    }
    showAtPosition(_pos: { x: number; y: number }): this {
        menus.push(this);
        return this;
    }
    /** Click the item whose title starts with `title`. */
    pick(title: string): void {
        const item = this.items.find((i) => i.title.startsWith(title));
        if (!item) throw new Error(`no menu item ${title}`);
        void item.handler?.(new MouseEvent("click"));
    }
}

export const Keymap = {
    /** Ctrl (Cmd on macOS) opens a link in a new tab. */
    isModEvent(evt?: MouseEvent | KeyboardEvent | null): boolean | "tab" {
        return evt && (evt.ctrlKey || evt.metaKey) ? "tab" : false;
    },
};

// ---- functions ------------------------------------------------------------------------------------

export const Platform = { isDesktopApp: true, isMobile: false, isDesktop: true, isMobileApp: false };

export function parseYaml(text: string): unknown {
    return parseYamlText(text);
}

export function stringifyYaml(value: unknown): string {
    // As Obsidian writes (checked against captured notes in test/obsidian/captured.test.ts): no line
    // wrapping, block lists indented two spaces, an empty value as `key: `.
    const lines = stringify(value, { lineWidth: 0, nullStr: "" }).split("\n");
    const indent = (line: string) => line.length - line.trimStart().length;
    // `key:` with nothing nested under it is an empty value, which Obsidian writes as `key: `.
    return lines
        .map((line, i) => (line.endsWith(":") && !(indent(lines[i + 1] ?? "") > indent(line)) && !lines[i + 1]?.trimStart().startsWith("- ") ? `${line} ` : line))
        .join("\n");
}

export function normalizePath(path: string): string {
    return path.replace(/\\/g, "/").replace(/\/+/g, "/").replace(/^\/|\/$/g, "");
}

export function setIcon(_el: HTMLElement, _icon: string): void {}

/** Debounce waits at most this long here: the same one trailing call after a burst as Obsidian's, without
 *  the tests (and the mutation run, which repeats them) sleeping through real-time delays. The benchmark
 *  lifts the cap, to time the plugin as the app would run it. */
export const timing = { debounceCapMs: 5 };

export function debounce<A extends unknown[]>(fn: (...args: A) => unknown, wait = 0, _reset = false) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let pending: A | undefined;
    const fire = () => {
        const args = pending;
        pending = undefined;
        if (args) return fn(...args);
    };
    const debounced = (...args: A) => {
        clearTimeout(timer);
        pending = args;
        timer = setTimeout(fire, Math.min(wait, timing.debounceCapMs));
        return debounced;
    };
    debounced.cancel = () => {
        clearTimeout(timer);
        pending = undefined;
        return debounced;
    };
    /** Obsidian 1.4.4+: the pending call, if any, at once. */
    debounced.run = () => {
        clearTimeout(timer);
        return fire();
    };
    return debounced;
}

export interface RequestUrlParam {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
}

/** Where `requestUrl` goes: `fetch` in Node; the harness may route it elsewhere (the page's bridge). */
export const network: { request: (r: RequestUrlParam) => Promise<{ status: number; text: string }> } = {
    async request(r) {
        const response = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body });
        return { status: response.status, text: await response.text() };
    },
};

export async function requestUrl(r: RequestUrlParam & { throw?: boolean }) {
    const { status, text } = await network.request(r);
    return {
        status,
        text,
        get json() {
            return JSON.parse(text) as unknown;
        },
    };
}
