// The answer: the model writes from the evidence only, citing evidence keys ([E3]); code maps keys
// to reference numbers in order of first use and removes keys that were never given (and any
// bracketed number the model wrote itself), so every number in the text is a real reference.
import { z } from "zod";
import { DATA_SAFETY_RULE, fenceData } from "../llm/prompt.js";
import type { LlmClient } from "../llm/types.js";
import type { Evidence } from "../types.js";

export const AnswerSchema = z.object({
  status: z.enum(["answered", "insufficient"]),
  confidence: z.enum(["high", "medium", "low"]),
  answer: z.string().trim().min(1).max(6000),
});
export type DraftAnswer = z.infer<typeof AnswerSchema>;

const ANSWER_SYSTEM = [
  "You answer a research question from the evidence given, and from nothing else.",
  "Write a direct answer of two to five sentences. Cite the evidence for every claim with its key in square brackets,",
  "for example [E2] or [E2][E5], right after the claim. Cite only keys from the evidence list. If the evidence does not",
  "answer the question, set status to insufficient and say plainly what is and is not known, still citing what there is.",
  "Confidence: high when several consistent direct findings agree, medium when the evidence is direct but thin or",
  "partly conflicting, low when it is indirect.",
  DATA_SAFETY_RULE,
].join(" ");

export async function writeAnswer(
  question: string,
  evidence: readonly Evidence[],
  titles: ReadonlyMap<string, string>,
  llm: LlmClient,
  signal?: AbortSignal,
): Promise<DraftAnswer | undefined> {
  const listing = evidence
    .map((item) => `[${item.key}] ${titles.get(item.paperId) ?? item.paperId}: ${item.summary}${item.quote ? ` Quote: "${item.quote}"` : ""}`)
    .join("\n");
  const result = await llm.complete({
    step: "answer",
    role: "main",
    system: ANSWER_SYSTEM,
    user: `Research question: ${question}\n\nEvidence:\n${fenceData("evidence", listing)}`,
    schema: AnswerSchema,
    schemaName: "cited_answer",
    temperature: 0.2,
    ...(signal ? { signal } : {}),
  });
  return result.ok ? result.value : undefined;
}

export interface MappedCitations {
  /** The text with `[n]` (or `[n, m]`) for cited evidence, unknown keys removed. */
  text: string;
  /** Evidence keys in order of first citation. */
  citedKeys: string[];
  /** Keys the model cited that were not in the evidence. */
  unknownKeys: string[];
}

/**
 * Replace evidence keys by reference numbers. `numberFor` hands out a paper's number (papers are
 * numbered by first citation, several evidence keys may share one paper).
 */
export function mapCitations(text: string, known: ReadonlyMap<string, Evidence>, numberFor: (paperId: string) => number): MappedCitations {
  const citedKeys: string[] = [];
  const unknownKeys: string[] = [];
  // A bracketed number the model wrote itself would read as one of ours: drop it.
  const withoutStrayNumbers = text.replace(/\s*\[\d+(?:\s*[,–-]\s*\d+)*\]/g, "");
  const mapped = withoutStrayNumbers.replace(/\s*((?:\[\s*E\d+(?:\s*,\s*E\d+)*\s*\])+)/gi, (group: string) => {
    const keys = [...group.matchAll(/E\d+/gi)].map((match) => match[0].toUpperCase());
    const numbers: number[] = [];
    for (const key of keys) {
      const item = known.get(key);
      if (!item) {
        unknownKeys.push(key);
        continue;
      }
      if (!citedKeys.includes(key)) citedKeys.push(key);
      const number = numberFor(item.paperId);
      if (!numbers.includes(number)) numbers.push(number);
    }
    return numbers.length > 0 ? ` [${numbers.join(", ")}]` : "";
  });
  return { text: mapped.replace(/\s+([.,;:])/g, "$1").trim(), citedKeys, unknownKeys };
}
