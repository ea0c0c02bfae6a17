// The published JSON Schema (docs/review.schema.json): up to date with the zod ReviewSchema, and what the
// built CLI really prints, in both modes, validates against the file as published.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { REVIEW_SCHEMA_PATH, serialiseReviewJsonSchema } from "../src/review/export-schema.js";
import { REPO_ROOT, runCli } from "./helpers/cli.js";
import { llmEnv, lysisScript, startAgentLlm } from "./helpers/agent-llm.js";

const publishedText = readFileSync(join(REPO_ROOT, REVIEW_SCHEMA_PATH), "utf8");
const validateReview = new Ajv2020({ allErrors: true }).compile(JSON.parse(publishedText) as object);

/** The validator's complaints, one line each, so a failing test says which field is wrong. */
function schemaErrors(review: unknown): string[] {
  if (validateReview(review)) return [];
  return (validateReview.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? ""}`);
}

/** Run `ask --format json` and return the parsed review, failing with the CLI's stderr when it did not succeed. */
async function askJson(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Record<string, unknown>> {
  const result = await runCli(["ask", ...args, "--format", "json"], { env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe("the published review JSON Schema", () => {
  it("is what the zod ReviewSchema generates now", () => {
    expect(publishedText, `${REVIEW_SCHEMA_PATH} is out of date with src/review/schema.ts: run \`npm run schema\``).toBe(
      serialiseReviewJsonSchema(),
    );
  });

  it("accepts an extractive review as the CLI prints it, and rejects it with a status the contract does not have", async () => {
    const review = await askJson([
      "Do mitochondria play a role in remodelling lace plant leaves during programmed cell death?",
      "--library",
      "fixtures/pubmedqa/corpus.jsonl",
      "--sources",
      "none",
      "--no-llm",
    ]);
    expect(review).toMatchObject({ mode: "extractive", usage: null, agent: null });
    expect(review.references).not.toEqual([]);
    expect(schemaErrors(review)).toEqual([]);

    expect(schemaErrors({ ...review, status: "maybe" })).toEqual(["/status must be equal to one of the allowed values"]);
  });

  it("accepts a review written by a language model, and rejects one with an undeclared field or a missing one", async () => {
    const llm = await startAgentLlm(lysisScript());
    const review = await askJson(["What determines lysis time in bacteriophage lambda?", "--library", "fixtures/jats", "--sources", "none"], llmEnv(llm.baseUrl));
    // The parts only llm mode fills are present, so the schema was checked against them too.
    expect(review).toMatchObject({ mode: "llm", status: "answered", confidence: "medium", usage: { model: "fake-model" } });
    expect(review.evidence).not.toEqual([]);
    expect(schemaErrors(review)).toEqual([]);

    expect(schemaErrors({ ...review, verdict: "supported" })).toEqual(["/ must NOT have additional properties"]);
    const { schemaVersion: _version, ...unversioned } = review;
    expect(schemaErrors(unversioned)).toEqual(["/ must have required property 'schemaVersion'"]);
  });
});
