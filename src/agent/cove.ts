// Chain-of-Verification planning: the model turns the key statements of its draft into verification
// questions, each with a keyword query that could find papers confirming or refuting it (including
// papers the draft did not use). The round itself runs in ./agent.ts (runVerificationRound).
import { z } from "zod";
import { DATA_SAFETY_RULE, fenceData } from "../llm/prompt.js";
import type { LlmClient } from "../llm/types.js";
import type { DraftAnswer } from "./answer.js";
import { PlannedQuerySchema, type PlannedQuery } from "./plan.js";
import { withoutKeys } from "../review/claims.js";

/** About ten, as the method prescribes. */
export const VERIFICATION_QUESTIONS = 10;

export const VerificationPlanSchema = z.object({
  questions: z
    .array(z.object({ question: z.string().trim().min(1).max(400), query: PlannedQuerySchema }))
    .min(1)
    .max(12),
});

const COVE_SYSTEM = [
  "You check a draft literature review by Chain-of-Verification. List the key factual statements of the draft",
  `(at most ${VERIFICATION_QUESTIONS}) as verification questions, each answerable from the literature, whose answers would`,
  "confirm or refute the statement. For each, write a keyword query for scholarly databases: 1 to 4 required concepts,",
  "each with synonyms, optional terms with weights from 0 to 1, and a year range only when the statement needs one",
  "(otherwise null). Aim the queries at papers that test the statement, including papers the draft did not use.",
  DATA_SAFETY_RULE,
].join(" ");

export async function planVerification(
  question: string,
  draft: DraftAnswer,
  llm: LlmClient,
  signal?: AbortSignal,
): Promise<{ questions: string[]; queries: PlannedQuery[] } | undefined> {
  const statements = [draft.answer, ...draft.findings, ...draft.agreement, ...draft.disagreement].map(withoutKeys).join("\n");
  const result = await llm.complete({
    step: "verification-plan",
    role: "main",
    system: COVE_SYSTEM,
    user: `Research question: ${question}\n\nDraft:\n${fenceData("draft", statements)}`,
    schema: VerificationPlanSchema,
    schemaName: "verification_questions",
    temperature: 0.2,
    ...(signal ? { signal } : {}),
  });
  if (!result.ok) return undefined;
  const planned = result.value.questions.slice(0, VERIFICATION_QUESTIONS);
  return { questions: planned.map((item) => item.question), queries: planned.map((item) => item.query) };
}
