/**
 * Where this vault's daemon is, checked before the token is sent anywhere: the address must be loopback
 * (memem's daemon binds nothing else), and a discovered daemon must answer `/v1/health` with the pid its
 * `daemon.json` names (a file left by a crashed daemon, or a port since taken by another process, is not a
 * daemon). The health check itself goes without the token (the daemon answers `/v1/health` to anyone on
 * loopback), so a process that took over the port learns nothing. A checked endpoint is trusted for a
 * short while, and only while daemon.json still names it and its process runs (see `stillTrusted`); any
 * failed request, and any change of the settings, forgets it.
 */

import { DaemonUnavailable, type Endpoint, requestTo, type Transport } from "./client";
import { type Discovered, discoverDaemon, type DiscoveryOptions, type FileAccess } from "./discovery";
import { checkAddress } from "../settings";

/** How long a checked endpoint is used without asking `/v1/health` again (while daemon.json still names it). */
export const TRUST_MS = 30_000;

export class DaemonLocator {
    private trusted?: { found: Discovered; endpoint: Endpoint; until: number };

    constructor(
        private readonly options: () => DiscoveryOptions | null,
        private readonly files: FileAccess | null,
        private readonly transport: Transport,
        private readonly now: () => number = () => Date.now(),
    ) {}

    /** The daemon to talk to, or DaemonUnavailable saying why there is none. */
    async endpoint(): Promise<Endpoint> {
        let found: Discovered;
        try {
            found = await this.find();
        } catch (error) {
            this.trusted = undefined; // gone from daemon.json: whatever is named there next is checked first
            throw error;
        }
        if (this.stillTrusted(found)) return this.trusted!.endpoint;
        this.trusted = undefined;
        // Who answers there is checked first, and without the token: only then is it trusted with it.
        await this.checkAlive(found.url, found.pid);
        const endpoint = { url: found.url, token: found.token };
        // An address from the settings names no pid to hold the next answer to: health is asked every time.
        if (found.pid !== undefined) this.trusted = { found, endpoint, until: this.now() + TRUST_MS };
        return endpoint;
    }

    forget(): void {
        this.trusted = undefined;
    }

    /**
     * Whether the endpoint checked a moment ago may be used again without asking health. Trigger: each
     * call within TRUST_MS of that check. Why not on time alone: a daemon that stops removes its
     * daemon.json and leaves its port to whichever process binds it next, maybe within a second, and a
     * crashed one leaves daemon.json naming a pid that no longer runs. Only a daemon.json that still
     * names the same address, token and pid, of a process that still runs, keeps the trust; the rest is
     * checked afresh, so the token never reaches a process that took the port.
     */
    private stillTrusted(found: Discovered): boolean {
        const trusted = this.trusted;
        if (!trusted || trusted.until <= this.now() || found.pid === undefined) return false;
        const was = trusted.found;
        const same = found.url === was.url && found.token === was.token && found.pid === was.pid;
        return same && this.files?.alive?.(found.pid) !== false;
    }

    /** Where discovery says the daemon is now (daemon.json, or the settings), refused unless it is on loopback. */
    private async find(): Promise<Discovered> {
        const options = this.options();
        const address = options?.address?.trim();
        if (address) {
            const problem = checkAddress(address);
            if (problem) throw new DaemonUnavailable(`memem: the daemon address in settings is refused: ${problem}`);
        }
        const found = options ? await discoverDaemon(options, this.files ?? noFiles) : null;
        if (!found) throw new DaemonUnavailable("memem's daemon is not running for this vault");
        const problem = checkAddress(found.url);
        if (problem) throw new DaemonUnavailable(`memem: ${found.url} is not on this machine; the token is not sent there`);
        return found;
    }

    /** That memem's daemon answers at `url`, and is the one with `pid` when daemon.json named one. Given
     *  the address alone: the token is not sent until this has passed. */
    private async checkAlive(url: string, pid: number | undefined): Promise<void> {
        let answer: { status: number; json: unknown };
        try {
            answer = await this.transport(requestTo({ url }, "GET", "/v1/health"));
        } catch {
            throw new DaemonUnavailable(`memem's daemon does not answer at ${url} (its daemon.json is stale)`);
        }
        const health = answer.json as { ok?: boolean; pid?: number } | null;
        if (answer.status !== 200 || !health?.ok) {
            throw new DaemonUnavailable(`memem: ${url} is not memem's daemon for this vault (HTTP ${answer.status})`);
        }
        if (pid !== undefined && health.pid !== pid) {
            throw new DaemonUnavailable(`memem: the daemon that wrote daemon.json (pid ${pid}) is gone; another process answers there`);
        }
    }
}

const noFiles: FileAccess = {
    readText: async () => null,
    listDirs: async () => [],
    realpath: async (path) => path,
};
