import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "./helpers/temp.js";
import { resolveConfig } from "../src/config.js";
import { UsageError } from "../src/errors.js";

const tempDir = () => makeTempDir("litreview-config-");

describe("resolveConfig", () => {
  const isolatedEnv = (extra: NodeJS.ProcessEnv = {}) => ({ XDG_CONFIG_HOME: join(tempDir(), "xdg"), ...extra });

  it("uses the defaults when nothing is set", () => {
    const config = resolveConfig({ flags: {}, env: isolatedEnv(), cwd: tempDir() });
    expect(config).toMatchObject({ format: "markdown", topK: 30, perPaperCap: 3, chunkSize: 1200, llm: true, library: [] });
  });

  it("presets what --depth and --length leave unset: verification off at quick depth, findings by length", () => {
    const resolve = (flags: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => resolveConfig({ flags, env: isolatedEnv(env), cwd: tempDir() });
    expect(resolve({})).toMatchObject({ verify: true, length: "standard", findings: 8, maxIterations: 3 });
    expect(resolve({ depth: "quick" })).toMatchObject({ verify: false, maxIterations: 1 });
    expect(resolve({ depth: "quick", verify: true }).verify).toBe(true);
    expect(resolve({}, { LITREVIEW_VERIFY: "off" }).verify).toBe(false);
    expect(resolve({ length: "long" }).findings).toBe(16);
    expect(resolve({ length: "short" }).findings).toBe(4);
    expect(resolve({ length: "short", findings: 6 }).findings).toBe(6);
    expect(() => resolve({}, { LITREVIEW_LENGTH: "huge" })).toThrow("LITREVIEW_LENGTH");
  });

  it("applies flags over env over the working-directory file over the XDG file", () => {
    const cwd = tempDir();
    const xdg = join(tempDir(), "xdg");
    mkdirSync(join(xdg, "litreview"), { recursive: true });
    writeFileSync(join(xdg, "litreview", "litreview.config.json"), JSON.stringify({ topK: 5, perPaperCap: 4, findings: 3, chunkSize: 900 }));
    writeFileSync(join(cwd, "litreview.config.json"), JSON.stringify({ topK: 6, perPaperCap: 5, findings: 4 }));
    const env = { XDG_CONFIG_HOME: xdg, LITREVIEW_TOP_K: "7", LITREVIEW_PER_PAPER_CAP: "6" };
    const config = resolveConfig({ flags: { topK: 8 }, env, cwd });
    expect(config.topK).toBe(8);
    expect(config.perPaperCap).toBe(6);
    expect(config.findings).toBe(4);
    expect(config.chunkSize).toBe(900);
  });

  it("splits LITREVIEW_LIBRARY on the path delimiter and reads booleans from env", () => {
    const config = resolveConfig({ flags: {}, env: isolatedEnv({ LITREVIEW_LIBRARY: "a:b", LITREVIEW_LLM: "false" }), cwd: tempDir() });
    expect(config.library).toEqual(["a", "b"]);
    expect(config.llm).toBe(false);
  });

  it("names the flag and the allowed values for a bad flag value", () => {
    expect(() => resolveConfig({ flags: { format: "xml" }, env: isolatedEnv(), cwd: tempDir() })).toThrow(
      'invalid value for --format: "xml"; allowed: markdown or json',
    );
  });

  it("names the environment variable for a bad env value", () => {
    expect(() => resolveConfig({ flags: {}, env: isolatedEnv({ LITREVIEW_TOP_K: "lots" }), cwd: tempDir() })).toThrow(
      'invalid value for LITREVIEW_TOP_K: "lots"; allowed: a whole number from 1 to 500',
    );
  });

  it("names the file and key for a bad config file value, and rejects unknown keys", () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "litreview.config.json"), JSON.stringify({ chunkSize: 5 }));
    expect(() => resolveConfig({ flags: {}, env: isolatedEnv(), cwd })).toThrow(
      /invalid value for "chunkSize" in .*litreview\.config\.json: 5; allowed: a whole number from 200 to 20000/,
    );
    writeFileSync(join(cwd, "litreview.config.json"), JSON.stringify({ topk: 5 }));
    expect(() => resolveConfig({ flags: {}, env: isolatedEnv(), cwd })).toThrow(/unknown setting "topk"; known settings: library, format/);
  });

  it("reports a config file that is not JSON as a usage error", () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "litreview.config.json"), "{ topK: 5");
    expect(() => resolveConfig({ flags: {}, env: isolatedEnv(), cwd })).toThrow(UsageError);
    expect(() => resolveConfig({ flags: {}, env: isolatedEnv(), cwd })).toThrow(/is not valid JSON/);
  });

  it("rejects an overlap that is not less than half the chunk size", () => {
    expect(() => resolveConfig({ flags: { chunkSize: 400, chunkOverlap: 300 }, env: isolatedEnv(), cwd: tempDir() })).toThrow(
      /--chunk-overlap: 300; .*chunkOverlap must be less than half of chunkSize/,
    );
  });
});
