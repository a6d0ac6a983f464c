/** What the panes share: the app, the actions, the daemon client and the settings. Built once in main.ts. */

import type { App } from "obsidian";
import type { DaemonClient } from "../daemon/client";
import type { MememSettings } from "../settings";
import type { MemoryActions } from "./actions";

export interface MememContext {
    app: App;
    actions: MemoryActions;
    daemon: DaemonClient;
    settings(): MememSettings;
    /** Ask for a successor (or none) and deprecate: the deprecate command, buttons and menu all use it.
     *  Resolves true once deprecated, false when the person cancelled. */
    deprecateWithPrompt(path: string): Promise<boolean>;
}
