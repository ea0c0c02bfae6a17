// PubMedQA (labelled set, PQA-L): yes/no/maybe research questions, each the title of one PubMed
// abstract. The question goes through the whole pipeline; then the model decides yes, no or maybe
// from the review's text and the evidence it cites. Scored by accuracy and macro-F1, with where
// the question's own paper (by PMID) was lost.
import { z } from "zod";
import { UsageError, errorMessage } from "../errors.js";
import { normalisePmid } from "../fulltext/paper.js";
import { DATA_SAFETY_RULE } from "../llm/prompt.js";
import type { LlmClient } from "../llm/types.js";
import type { Review } from "../review/schema.js";
import { readLines } from "./beir.js";
import { QaLineBaseSchema, reviewForGrading } from "./qa.js";
import { DECISIONS, classF1, confusionMatrix, macroF1, stageRecall, type ConfusionMatrix, type Decision, type StageRecall } from "./qa-metrics.js";
import type { SourceStage } from "./source-stages.js";

const PubmedqaRecordSchema = z.object({
  QUESTION: z.string().trim().min(1, "must not be empty"),
  final_decision: z.enum(DECISIONS),
});

export interface PubmedqaQuestion {
  /** The PMID of the abstract the question was written from. */
  id: string;
  question: string;
  gold: Decision;
}

/**
 * The questions of a PubMedQA labelled file ({PMID: {QUESTION, final_decision, …}}), sorted by PMID
 * numerically, so `--limit N` takes the same N questions however the file was written. A bad record
 * is a usage error naming the line it starts on and its PMID.
 */
export async function readPubmedqaQuestions(path: string): Promise<PubmedqaQuestion[]> {
  const text = (await readLines(path)).map((line) => line.text).join("\n");
  const lineAt = (offset: number) => text.slice(0, Math.max(0, offset)).split("\n").length;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const position = /at position (\d+)/.exec(errorMessage(error))?.[1];
    throw new UsageError(`${path}:${position === undefined ? 1 : lineAt(Number(position))}: not valid JSON (${errorMessage(error)})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new UsageError(`${path}:1: expected one JSON object of PubMedQA records keyed by PMID`);
  }
  const questions: PubmedqaQuestion[] = [];
  for (const [key, value] of Object.entries(json)) {
    const where = `${path}:${lineAt(text.indexOf(JSON.stringify(key)))}: record ${key}`;
    const pmid = normalisePmid(key);
    if (pmid === undefined) throw new UsageError(`${where}: the key must be a PMID`);
    const record = PubmedqaRecordSchema.safeParse(value);
    if (!record.success) {
      const [issue] = record.error.issues;
      throw new UsageError(`${where}: ${issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : ""}${issue?.message ?? "invalid record"}`);
    }
    questions.push({ id: pmid, question: record.data.QUESTION, gold: record.data.final_decision });
  }
  if (questions.length === 0) throw new UsageError(`${path}: holds no records`);
  return questions.sort((a, b) => Number(a.id) - Number(b.id));
}

const DECISION_SYSTEM = [
  "You answer a research question with yes, no or maybe using only the literature review given: its text (answer,",
  "key findings, agreement, disagreement) and the evidence it cites. Answer yes or no when the review's evidence",
  "supports it; maybe when the evidence is mixed, conditional or does not settle the question.",
  DATA_SAFETY_RULE,
].join(" ");

const DecisionSchema = z.object({ decision: z.enum(DECISIONS) });

export type DecisionResult = { ok: true; decision: Decision } | { ok: false; reason: string };

/** One model call: the question and the review → yes, no or maybe. */
export async function decide(question: string, review: Review, llm: LlmClient, signal?: AbortSignal): Promise<DecisionResult> {
  const result = await llm.complete({
    step: "eval-decision",
    role: "main",
    system: DECISION_SYSTEM,
    user: [`Question: ${question}`, "", "Review:", reviewForGrading(review)].join("\n"),
    schema: DecisionSchema,
    schemaName: "pubmedqa_decision",
    temperature: 0,
    ...(signal ? { signal } : {}),
  });
  return result.ok ? { ok: true, decision: result.value.decision } : { ok: false, reason: `no valid decision (${result.reason}): ${result.message}` };
}

/** The stages reported for PubMedQA (its papers are abstracts, and there is no key passage). */
export const PUBMEDQA_STAGES = ["found", "screened", "topK", "evidence", "cited"] as const satisfies readonly SourceStage[];

export const PubmedqaLineSchema = QaLineBaseSchema.extend({
  gold: z.enum(DECISIONS),
  /** null: no decision (nothing found, the pipeline failed, or no valid reply). */
  predicted: z.enum(DECISIONS).nullable(),
  correct: z.boolean(),
});
export type PubmedqaLine = z.infer<typeof PubmedqaLineSchema>;

export interface PubmedqaMetrics {
  /** correct / all questions (a question without a decision counts as wrong). */
  accuracy: number | null;
  /** Mean F1 over yes, no and maybe, leaving out a class that is neither gold nor predicted. */
  macroF1: number | null;
  f1: Record<Decision, number | null>;
  /** Gold (rows) × predicted (columns, "none" for no decision). */
  confusion: ConfusionMatrix;
  stageRecall: Record<(typeof PUBMEDQA_STAGES)[number], StageRecall>;
  questions: number;
  /** Questions with a decision. */
  decided: number;
}

export function pubmedqaMetrics(lines: readonly PubmedqaLine[]): PubmedqaMetrics {
  const confusion = confusionMatrix(lines);
  return {
    accuracy: lines.length === 0 ? null : lines.filter((line) => line.correct).length / lines.length,
    macroF1: macroF1(confusion),
    f1: classF1(confusion),
    confusion,
    stageRecall: stageRecall(
      lines.map((line) => line.stages),
      PUBMEDQA_STAGES,
    ),
    questions: lines.length,
    decided: lines.filter((line) => line.predicted !== null).length,
  };
}
