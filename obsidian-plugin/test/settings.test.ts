import { describe, expect, it } from "vitest";
import { checkAddress, DEFAULT_SETTINGS, DEVICE_KEYS, mergeSettings, splitSettings } from "../src/settings";

describe("settings", () => {
    it("merges saved data into a fresh object, leaving the defaults alone", () => {
        const merged = mergeSettings({ memoriesFolder: "/notes/memories/", statusSeconds: 1, unknown: true });
        expect(merged).toMatchObject({ memoriesFolder: "notes/memories", statusSeconds: 2 });
        expect(merged).not.toHaveProperty("unknown");
        expect(DEFAULT_SETTINGS.memoriesFolder).toBe("memem/memories");
        merged.daemonToken = "x";
        expect(DEFAULT_SETTINGS.daemonToken).toBe("");
        expect(mergeSettings({ statusSeconds: 99999 }).statusSeconds).toBe(3600);
        expect(mergeSettings({ memoriesFolder: " \\\\ " }).memoriesFolder).toBe("memem/memories");
    });

    it("ignores values of the wrong type and missing data", () => {
        expect(mergeSettings({ memoriesFolder: 3, daemonAddress: null })).toEqual({ ...DEFAULT_SETTINGS });
        expect(mergeSettings(null)).toEqual({ ...DEFAULT_SETTINGS });
    });

    it("keeps the daemon's address, token and state folder out of the synced part", () => {
        const { synced, device } = splitSettings({ ...DEFAULT_SETTINGS, daemonToken: "tok", daemonAddress: "http://127.0.0.1:1", memDir: "/m" });
        expect(synced).toEqual({ memoriesFolder: "memem/memories", statusSeconds: 15 });
        expect(device).toEqual({ memDir: "/m", daemonAddress: "http://127.0.0.1:1", daemonToken: "tok" });
        expect([...DEVICE_KEYS].sort()).toEqual(["daemonAddress", "daemonToken", "memDir"]);
    });

    it("accepts loopback addresses only", () => {
        expect(checkAddress("http://127.0.0.1:8765")).toBeNull();
        expect(checkAddress("http://localhost:1")).toBeNull();
        expect(checkAddress("http://[::1]:1")).toBeNull();
        expect(checkAddress("")).toBeNull();
        expect(checkAddress("http://example.com:80")).toMatch(/loopback/);
        expect(checkAddress("http://127.0.0.1.example.com")).toMatch(/loopback/);
        expect(checkAddress("https://127.0.0.1")).toMatch(/http:/);
        expect(checkAddress("nonsense")).toMatch(/Not an address/);
    });
});
