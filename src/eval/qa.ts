// What the question-answering harnesses (LitQA2, PubMedQA) share: the record kept for every
// question-run, and the review as the grading model reads it.
import { z } from "zod";
import { fenceData } from "../llm/prompt.js";
import { ReviewSchema, type Review } from "../review/schema.js";
import { SOURCE_STAGES, textCitations, type ReviewText, type SourceStage } from "./source-stages.js";

/**
 * How a question-run ended. judged: a review was written and the model graded from it; no-papers:
 * the pipeline found nothing to read (a legitimate unanswered result); failed: the pipeline failed
 * (unanswered, retried when the evaluation is run again).
 */
const QA_OUTCOMES = ["judged", "no-papers", "failed"] as const;

/** The fields of a questions.jsonl line that every benchmark has. */
export const QaLineBaseSchema = z.object({
  id: z.string().min(1),
  run: z.int().min(1),
  outcome: z.enum(QA_OUTCOMES),
  /** The review's status; null without a review. */
  reviewStatus: ReviewSchema.shape.status.nullable(),
  /** Which pipeline stages a source paper reached (null: not judged, e.g. no key passage). */
  stages: z.partialRecord(z.enum(SOURCE_STAGES), z.boolean().nullable()),
  /** What the question-run's LLM calls cost in US dollars (pipeline and grading); null when a price is unknown. */
  costUsd: z.number().min(0).nullable(),
  llmCalls: z.int().min(0),
  /** Why the pipeline failed, found nothing, or the grading call gave no valid answer. */
  error: z.string().optional(),
});
export type QaLineBase = z.infer<typeof QaLineBaseSchema>;

/** Stage names in reports. */
export const STAGE_LABELS: Record<SourceStage, string> = {
  found: "found by search",
  screened: "screened in (read)",
  fullText: "read in full text",
  topK: "in the top-k passages",
  keyPassage: "key passage in the top-k passages",
  evidence: "in the evidence",
  cited: "cited in the review's text",
};

/**
 * The review's text (answer, key findings, agreement, disagreement) and the evidence items it cites,
 * fenced as data: the text was written from papers and the evidence quotes them.
 */
export function reviewForGrading(review: ReviewText & Pick<Review, "evidence">): string {
  const cited = textCitations(review);
  const list = (heading: string, items: readonly string[]) => (items.length > 0 ? ["", `${heading}:`, ...items.map((item) => `- ${item}`)] : []);
  const evidence = review.evidence
    .filter((item) => item.citation !== null && cited.has(item.citation))
    .map((item) => `[${item.citation ?? ""}] ${item.summary}${item.quote ? ` Quote: "${item.quote}"` : ""}`);
  const text = [
    `Answer: ${review.answer}`,
    ...list("Key findings", review.keyFindings),
    ...list("Where studies agree", review.agreement),
    ...list("Where studies disagree", review.disagreement),
    "",
    "Evidence cited:",
    ...(evidence.length > 0 ? evidence : ["(none)"]),
  ].join("\n");
  return fenceData("review", text);
}
