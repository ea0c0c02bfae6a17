// Assessment: after each round, the model judges whether the evidence answers the question and,
// if not, what is missing and how to look for it (new queries, or the papers citing / cited by
// the best evidence).
import { z } from "zod";
import { DATA_SAFETY_RULE, fenceData } from "../llm/prompt.js";
import type { LlmClient } from "../llm/types.js";
import type { Evidence } from "../types.js";
import { PlannedQuerySchema, type PlannedQuery } from "./plan.js";

export const AssessmentSchema = z.object({
  sufficient: z.boolean(),
  missing: z.array(z.string().trim().min(1).max(300)).max(6),
  followCitations: z.boolean(),
  queries: z.array(PlannedQuerySchema).max(4),
});

export interface Assessment {
  sufficient: boolean;
  missing: string[];
  followCitations: boolean;
  queries: PlannedQuery[];
}

const ASSESS_SYSTEM = [
  "You review the evidence gathered for a research question and decide whether it is enough to answer the question",
  "well: direct findings, on the right system, from more than one source where the question needs it.",
  "If it is not enough, list what is missing and write new keyword queries aimed at it (required concepts with",
  "synonyms, optional weighted terms, a year range only if asked), and say whether following the citations of the",
  "best papers (their references and the papers citing them) is likely to help.",
  DATA_SAFETY_RULE,
].join(" ");

/** The model's judgement; without a usable one, the evidence counts as sufficient when any exists (no blind looping). */
export async function assessEvidence(question: string, evidence: readonly Evidence[], llm: LlmClient, signal?: AbortSignal): Promise<Assessment> {
  const listing = evidence.map((item) => `[${item.key}] (relevance ${item.relevance}) ${item.summary}`).join("\n");
  const result = await llm.complete({
    step: "assess",
    role: "main",
    system: ASSESS_SYSTEM,
    user: `Research question: ${question}\n\nEvidence so far (${evidence.length} items):\n${fenceData("evidence", listing || "(none)")}`,
    schema: AssessmentSchema,
    schemaName: "evidence_assessment",
    temperature: 0,
    ...(signal ? { signal } : {}),
  });
  if (result.ok) return result.value;
  return { sufficient: evidence.length > 0, missing: [], followCitations: false, queries: [] };
}
