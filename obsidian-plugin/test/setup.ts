import { installDomHelpers } from "./shim/dom";

installDomHelpers(window as unknown as { HTMLElement: typeof HTMLElement; document: Document });
