/**
 * Where this vault's daemon is, checked before the token is sent anywhere: the address must be loopback
 * (memem's daemon binds nothing else), and a discovered daemon must answer `/v1/health` with the pid its
 * `daemon.json` names (a file left by a crashed daemon, or a port since taken by another process, is not a
 * daemon). The health check itself goes without the token (the daemon answers `/v1/health` to anyone on
 * loopback), so a process that took over the port learns nothing. A checked endpoint is trusted for a
 * short while; any failed request, and any change of the settings, forgets it.
 */

import { DaemonUnavailable, type Endpoint, requestTo, type Transport } from "./client";
import { discoverDaemon, type DiscoveryOptions, type FileAccess } from "./discovery";
import { checkAddress } from "../settings";

/** How long a checked endpoint is used without asking `/v1/health` again. */
export const TRUST_MS = 30_000;

export class DaemonLocator {
    private trusted?: { endpoint: Endpoint; until: number };

    constructor(
        private readonly options: () => DiscoveryOptions | null,
        private readonly files: FileAccess | null,
        private readonly transport: Transport,
        private readonly now: () => number = () => Date.now(),
    ) {}

    /** The daemon to talk to, or DaemonUnavailable saying why there is none. */
    async endpoint(): Promise<Endpoint> {
        if (this.trusted && this.trusted.until > this.now()) return this.trusted.endpoint;
        this.trusted = undefined;
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
        // Who answers there is checked first, and without the token: only then is it trusted with it.
        await this.checkAlive(found.url, found.pid);
        const endpoint = { url: found.url, token: found.token };
        this.trusted = { endpoint, until: this.now() + TRUST_MS };
        return endpoint;
    }

    forget(): void {
        this.trusted = undefined;
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
