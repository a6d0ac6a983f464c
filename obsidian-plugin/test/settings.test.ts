import { describe, expect, it } from "vitest";
import { checkAddress, DEFAULT_SETTINGS, mergeSettings } from "../src/settings";

describe("settings", () => {
    it("merges saved data into a fresh object, leaving the defaults alone", () => {
        const merged = mergeSettings({ memoriesFolder: "/notes/memories/", statusSeconds: 1, unknown: true });
        expect(merged).toMatchObject({ memoriesFolder: "notes/memories", statusSeconds: 2 });
        expect(merged).not.toHaveProperty("unknown");
        expect(DEFAULT_SETTINGS.memoriesFolder).toBe("memem/memories");
        merged.daemonToken = "x";
        expect(DEFAULT_SETTINGS.daemonToken).toBe("");
    });

    it("ignores values of the wrong type and missing data", () => {
        expect(mergeSettings({ memoriesFolder: 3, daemonAddress: null })).toEqual({ ...DEFAULT_SETTINGS });
        expect(mergeSettings(null)).toEqual({ ...DEFAULT_SETTINGS });
    });

    it("accepts loopback addresses only", () => {
        expect(checkAddress("http://127.0.0.1:8765")).toBeNull();
        expect(checkAddress("http://localhost:1")).toBeNull();
        expect(checkAddress("")).toBeNull();
        expect(checkAddress("http://example.com:80")).toMatch(/loopback/);
        expect(checkAddress("https://127.0.0.1")).toMatch(/http:/);
        expect(checkAddress("nonsense")).toMatch(/Not an address/);
    });
});
