/**
 * The helpers Obsidian adds to every element (`createEl`, `empty`, `addClass`, …), installed on a real
 * DOM: Chromium's for screenshots, happy-dom's in Node. Only what the plugin calls.
 */

interface ElOptions {
    cls?: string | string[];
    text?: string;
    attr?: Record<string, string | number | boolean | null>;
    value?: string;
    type?: string;
    title?: string;
    placeholder?: string;
}

type Helpers = Record<string, (this: HTMLElement, ...args: never[]) => unknown>;

export function installDomHelpers(win: { HTMLElement: typeof HTMLElement; document: Document }): void {
    const proto = win.HTMLElement.prototype as unknown as Helpers;
    if ("createEl" in proto) return;
    const helpers: Record<string, unknown> = {
        createEl(this: HTMLElement, tag: string, o?: ElOptions | string, callback?: (el: HTMLElement) => void) {
            const el = this.ownerDocument.createElement(tag);
            const options: ElOptions = typeof o === "string" ? { cls: o } : (o ?? {});
            const classes = Array.isArray(options.cls) ? options.cls : options.cls ? options.cls.split(" ") : [];
            for (const c of classes) if (c) el.classList.add(c);
            if (options.text !== undefined) el.textContent = options.text;
            for (const [k, v] of Object.entries(options.attr ?? {})) if (v !== null && v !== false) el.setAttribute(k, String(v));
            if (options.value !== undefined) (el as HTMLInputElement).value = options.value;
            if (options.type !== undefined) el.setAttribute("type", options.type);
            if (options.title !== undefined) el.title = options.title;
            if (options.placeholder !== undefined) el.setAttribute("placeholder", options.placeholder);
            this.appendChild(el);
            callback?.(el);
            return el;
        },
        createDiv(this: HTMLElement, o?: ElOptions | string, cb?: unknown) {
            return this.createEl("div", o, cb as never);
        },
        createSpan(this: HTMLElement, o?: ElOptions | string, cb?: unknown) {
            return this.createEl("span", o, cb as never);
        },
        empty(this: HTMLElement) {
            while (this.firstChild) this.removeChild(this.firstChild);
        },
        addClass(this: HTMLElement, ...classes: string[]) {
            this.classList.add(...classes);
        },
        removeClass(this: HTMLElement, ...classes: string[]) {
            this.classList.remove(...classes);
        },
        toggleClass(this: HTMLElement, cls: string, value: boolean) {
            this.classList.toggle(cls, value);
        },
        hasClass(this: HTMLElement, cls: string) {
            return this.classList.contains(cls);
        },
        setText(this: HTMLElement, text: string) {
            this.textContent = text;
        },
        setAttr(this: HTMLElement, name: string, value: string | number | boolean | null) {
            if (value === null) this.removeAttribute(name);
            else this.setAttribute(name, String(value));
        },
    };
    helpers.appendText = function (this: HTMLElement, text: string) {
        this.appendChild(this.ownerDocument.createTextNode(text));
    };
    /** Obsidian's `isShown`: in the document and not inside anything hidden. */
    helpers.isShown = function (this: HTMLElement) {
        if (!this.isConnected) return false;
        for (let el: HTMLElement | null = this; el; el = el.parentElement) if (el.style.display === "none" || el.hidden) return false;
        return true;
    };
    for (const [name, fn] of Object.entries(helpers)) Object.defineProperty(proto, name, { value: fn, configurable: true });
    // Obsidian's globals: createEl/createDiv/createSpan on a detached element, and the active document.
    const g = globalThis as Record<string, unknown>;
    const detached = () => win.document.createElement("div") as unknown as Record<string, (...a: unknown[]) => HTMLElement>;
    g.createEl = (tag: string, o?: unknown) => {
        const el = detached().createEl(tag, o);
        el.remove();
        return el;
    };
    g.createDiv = (o?: unknown) => (g.createEl as (t: string, o?: unknown) => HTMLElement)("div", o);
    g.createSpan = (o?: unknown) => (g.createEl as (t: string, o?: unknown) => HTMLElement)("span", o);
    g.activeDocument = win.document;
}
