// The answer: the model writes from the evidence only, citing evidence keys ([E3]): a short answer,
// key findings, where studies agree and where they disagree. Mapping keys to reference numbers,
// and checking each claim, happen afterwards (src/review/claims.ts, ./verify-claims.ts).
import { z } from "zod";
import { DATA_SAFETY_RULE, fenceData } from "../llm/prompt.js";
import type { LlmClient } from "../llm/types.js";
import type { Config } from "../config.js";
import type { Evidence } from "../types.js";

const DraftText = z.string().trim().min(1).max(1500);

export const AnswerSchema = z.object({
  status: z.enum(["answered", "insufficient"]),
  confidence: z.enum(["high", "medium", "low"]),
  /** The answer in two or three sentences. */
  answer: z.string().trim().min(1).max(3000),
  /** Key findings, one or two sentences each. */
  findings: z.array(DraftText).max(12),
  /** Where the studies agree. */
  agreement: z.array(DraftText).max(6),
  /** Where they disagree or conflict, and why (model system, method, population…). */
  disagreement: z.array(DraftText).max(6),
});
export type DraftAnswer = z.infer<typeof AnswerSchema>;

/** What --length asks of the answer, and how much evidence it is written from. */
export const LENGTH_SETTINGS = {
  short: { answerSentences: "two", findings: 3, contrasts: 1, evidence: 20, extraEvidenceShown: 4 },
  standard: { answerSentences: "two or three", findings: 6, contrasts: 3, evidence: 40, extraEvidenceShown: 8 },
  long: { answerSentences: "three", findings: 10, contrasts: 5, evidence: 60, extraEvidenceShown: 16 },
} as const satisfies Record<Config["length"], { answerSentences: string; findings: number; contrasts: number; evidence: number; extraEvidenceShown: number }>;

function answerSystem(length: Config["length"]): string {
  const settings = LENGTH_SETTINGS[length];
  return [
    "You write a short literature review answering a research question from the evidence given, and from nothing else.",
    "Cite the evidence for every claim with its key in square brackets, for example [E2] or [E2][E5], right after the claim;",
    "cite only keys from the evidence list, and make no claim without a citation.",
    `answer: the direct answer in ${settings.answerSentences} sentences.`,
    `findings: up to ${settings.findings} key findings, one or two sentences each, with numbers, model system and method where the evidence gives them.`,
    `agreement: up to ${settings.contrasts} statements of where the studies agree; disagreement: up to ${settings.contrasts} statements of where they`,
    "disagree or conflict and why (model system, method, population, dose, time); empty lists when there is nothing to say.",
    "If the evidence does not answer the question, set status to insufficient and say plainly in the answer what is and is not known,",
    "still citing what there is. Confidence: high when several consistent direct findings agree, medium when the evidence is direct",
    "but thin or partly conflicting, low when it is indirect.",
    DATA_SAFETY_RULE,
  ].join(" ");
}

export async function writeAnswer(
  question: string,
  evidence: readonly Evidence[],
  titles: ReadonlyMap<string, string>,
  llm: LlmClient,
  options: { length: Config["length"]; verificationQuestions?: readonly string[]; signal?: AbortSignal },
): Promise<DraftAnswer | undefined> {
  const settings = LENGTH_SETTINGS[options.length];
  const listing = evidence
    .map((item) => `[${item.key}] ${titles.get(item.paperId) ?? item.paperId}: ${item.summary}${item.quote ? ` Quote: "${item.quote}"` : ""}`)
    .join("\n");
  const checked =
    options.verificationQuestions && options.verificationQuestions.length > 0
      ? `\n\nThe evidence includes what was found when the key statements of a first draft were checked with these questions; correct any statement it does not bear out:\n${options.verificationQuestions.map((item) => `- ${item}`).join("\n")}`
      : "";
  const result = await llm.complete({
    step: "answer",
    role: "main",
    system: answerSystem(options.length),
    user: `Research question: ${question}${checked}\n\nEvidence:\n${fenceData("evidence", listing)}`,
    schema: AnswerSchema,
    schemaName: "cited_answer",
    temperature: 0.2,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!result.ok) return undefined;
  const draft = result.value;
  return {
    ...draft,
    findings: draft.findings.slice(0, settings.findings),
    agreement: draft.agreement.slice(0, settings.contrasts),
    disagreement: draft.disagreement.slice(0, settings.contrasts),
  };
}
