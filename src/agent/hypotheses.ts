// Hypothetical answers: the model writes a few diverse, plausible answers to the question, in the
// vocabulary a paper answering it would use. Each becomes one more query ranking the chunks (fused
// with the question's own ranking), so passages that answer in other words still rise.
import { z } from "zod";
import type { LlmClient } from "../llm/types.js";

export const HypothesesSchema = z.object({
  answers: z
    .array(
      z.object({
        answer: z.string().trim().min(1).max(2000),
        rationale: z.string().max(1000),
        synonyms: z.array(z.string().trim().min(1).max(80)).max(12),
      }),
    )
    .min(1)
    .max(5),
});

const HYPOTHESES_SYSTEM = [
  "You help search scientific papers. For the research question, write three short, diverse hypothetical answers",
  "(two or three sentences each) as a paper's results or abstract would state them, covering different plausible",
  "outcomes (for example: yes, no, it depends). They are used only as search text, never shown as facts, so write",
  "them in the technical vocabulary such papers use. For each, give a one-sentence rationale and the synonyms,",
  "abbreviations and related terms a paper might use instead.",
].join(" ");

/** Search texts from hypothetical answers; empty when the model gives none (ranking then uses the question alone). */
export async function writeHypotheses(question: string, llm: LlmClient, signal?: AbortSignal): Promise<string[]> {
  const result = await llm.complete({
    step: "hypotheses",
    role: "main",
    system: HYPOTHESES_SYSTEM,
    user: `Research question: ${question}`,
    schema: HypothesesSchema,
    schemaName: "hypothetical_answers",
    temperature: 0.7,
    ...(signal ? { signal } : {}),
  });
  if (!result.ok) return [];
  return result.value.answers.slice(0, 3).map((answer) => [answer.answer, ...answer.synonyms].join(" "));
}
