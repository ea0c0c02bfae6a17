// The published JSON Schema (docs/review.schema.json): up to date with the zod ReviewSchema, and what the
// built CLI really prints, in both modes, validates against the file as published.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it, onTestFinished } from "vitest";
import { REVIEW_SCHEMA_PATH, serialiseReviewJsonSchema } from "../src/review/export-schema.js";
import { REPO_ROOT, runCli } from "./helpers/cli.js";
import { bySchema, startFakeLlm, type FakeChatRequest, type FakeReply } from "./helpers/fake-llm.js";
import { makeTempDir } from "./helpers/temp.js";

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

/** The passage the evidence prompt fenced, its last line being the passage's own text. */
function passageText(request: FakeChatRequest): string {
  const user = request.body.messages.find((message) => message.role === "user")?.content ?? "";
  return /<<<DATA [^\n]*>>>\n([\s\S]*)\n<<<END DATA/.exec(user)?.[1]?.split("\n").at(-1) ?? "";
}

/** A scripted model that finds lysis passages relevant (quoting them verbatim) and cites what it was given. */
async function startScriptedLlm() {
  const llm = await startFakeLlm({
    reply: bySchema({
      search_plan: () => ({ json: { queries: [{ must: [{ term: "lysis time", synonyms: ["holin"] }], should: [], yearFrom: null, yearTo: null }] } }),
      hypothetical_answers: () => ({
        json: { answers: [{ answer: "Lysis time is set by the holin.", rationale: "holin", synonyms: ["S105"] }] },
      }),
      passage_evidence: (request): FakeReply => {
        const sentence = passageText(request).split(/(?<=\.)\s+/).find((candidate) => /lysis/i.test(candidate) && candidate.length > 30);
        if (!sentence) return { json: { relevance: 0, summary: "", quote: "" } };
        return { json: { relevance: 7, summary: "The passage reports on lysis.", quote: sentence.slice(0, 60) } };
      },
      evidence_assessment: () => ({ json: { sufficient: true, missing: ["host effects"], followCitations: false, queries: [] } }),
      cited_answer: () => ({ json: { status: "answered", confidence: "medium", answer: "Lysis timing is controlled by the holin [E1]." } }),
    }),
  });
  onTestFinished(() => llm.close());
  return llm;
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
    const llm = await startScriptedLlm();
    const review = await askJson(["What determines lysis time in bacteriophage lambda?", "--library", "fixtures/jats", "--sources", "none"], {
      OPENAI_BASE_URL: llm.baseUrl,
      LITREVIEW_MODEL: "fake-model",
      LITREVIEW_CACHE_DIR: makeTempDir("litreview-llm-cache-"),
    });
    // The parts only llm mode fills are present, so the schema was checked against them too.
    expect(review).toMatchObject({ mode: "llm", status: "answered", confidence: "medium", usage: { model: "fake-model" } });
    expect(review.evidence).not.toEqual([]);
    expect(schemaErrors(review)).toEqual([]);

    expect(schemaErrors({ ...review, verdict: "supported" })).toEqual(["/ must NOT have additional properties"]);
    const { schemaVersion: _version, ...unversioned } = review;
    expect(schemaErrors(unversioned)).toEqual(["/ must have required property 'schemaVersion'"]);
  });
});
