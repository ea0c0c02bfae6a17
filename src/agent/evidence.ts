// Evidence extraction: per ranked chunk, in parallel, the fast model says how relevant the passage
// is (0–10), summarises the facts in it that bear on the question, and copies a verbatim quote.
// Irrelevant passages are declined; a quote is kept only where it really occurs in the passage
// (and then as the passage's own text); near-duplicate evidence from one paper is merged.
import { z } from "zod";
import { DATA_SAFETY_RULE, fenceData } from "../llm/prompt.js";
import type { LlmClient } from "../llm/types.js";
import type { Evidence, RankedChunk } from "../types.js";

export const EvidenceJudgementSchema = z.object({
  relevance: z.int().min(0).max(10),
  summary: z.string().max(2000),
  quote: z.string().max(2000),
});

/** Passages scored below this are declined: they do not bear on the question. */
export const MIN_RELEVANCE = 3;

const EVIDENCE_SYSTEM = [
  "You read one passage of a scientific paper and judge what it contributes to a research question.",
  "Give: relevance from 0 (nothing to do with the question) to 10 (answers it directly);",
  "a summary of only the facts in the passage that bear on the question, with numbers, model system and method",
  "where given (an empty summary when there are none); and one short quote copied exactly, word for word, from the",
  "passage that best supports the summary (an empty quote when there is none). Never add facts that are not in the passage.",
  DATA_SAFETY_RULE,
].join(" ");

export interface EvidenceStats {
  judged: number;
  declined: number;
  failed: number;
  /** Quotes the model gave that were not in the passage (the evidence is kept without a quote). */
  quotesRejected: number;
  merged: number;
}

/**
 * Evidence from each chunk, keyed `E<n>` from `firstKey` on in ranking order. Chunks whose call
 * failed or was declined contribute nothing.
 */
export async function extractEvidence(
  question: string,
  chunks: readonly RankedChunk[],
  titles: ReadonlyMap<string, string>,
  llm: LlmClient,
  options: { firstKey: number; signal?: AbortSignal },
): Promise<{ evidence: Evidence[]; stats: EvidenceStats }> {
  const stats: EvidenceStats = { judged: 0, declined: 0, failed: 0, quotesRejected: 0, merged: 0 };
  const judged = await Promise.all(
    chunks.map(async ({ chunk }) => {
      const title = titles.get(chunk.paperId) ?? "";
      const passage = [title ? `Paper: ${title}` : "", chunk.sectionPath.length > 0 ? `Section: ${chunk.sectionPath.join(" > ")}` : "", chunk.text]
        .filter(Boolean)
        .join("\n");
      const result = await llm.complete({
        step: "evidence",
        role: "fast",
        system: EVIDENCE_SYSTEM,
        user: `Research question: ${question}\n\n${fenceData("passage", passage)}`,
        schema: EvidenceJudgementSchema,
        schemaName: "passage_evidence",
        temperature: 0,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return { chunk, result };
    }),
  );
  const kept: Omit<Evidence, "key">[] = [];
  for (const { chunk, result } of judged) {
    if (!result.ok) {
      stats.failed += 1;
      continue;
    }
    stats.judged += 1;
    const { relevance, summary, quote } = result.value;
    if (relevance < MIN_RELEVANCE || summary.trim() === "") {
      stats.declined += 1;
      continue;
    }
    const located = quote.trim() === "" ? undefined : locateQuote(chunk.text, quote);
    if (quote.trim() !== "" && !located) stats.quotesRejected += 1;
    kept.push({
      paperId: chunk.paperId,
      chunkId: chunk.id,
      sectionPath: chunk.sectionPath,
      relevance,
      summary: summary.trim(),
      ...(located ? { quote: chunk.text.slice(located.start, located.end) } : {}),
    });
  }
  const merged = mergeNearDuplicates(kept);
  stats.merged = kept.length - merged.length;
  return { evidence: merged.map((item, index) => ({ key: `E${options.firstKey + index}`, ...item })), stats };
}

/** Characters compared loosely: curly quotes, dashes and odd spaces as their plain forms, any case. */
function looseChar(char: string): string {
  if (/[\u2018\u2019\u201a\u201b\u2032]/.test(char)) return "'";
  if (/[\u201c\u201d\u201e\u201f\u2033]/.test(char)) return '"';
  if (/[\u2010-\u2015\u2212]/.test(char)) return "-";
  return char.toLowerCase();
}

/**
 * Where the quote occurs in the text, comparing with runs of whitespace as one space and quotes,
 * dashes and case loosely; offsets are into the original text. Undefined when it does not occur.
 */
export function locateQuote(text: string, quote: string): { start: number; end: number } | undefined {
  const normalised: string[] = [];
  const origin: number[] = [];
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index] as string;
    if (/\s/.test(char)) {
      if (normalised.length > 0 && normalised[normalised.length - 1] !== " ") {
        normalised.push(" ");
        origin.push(index);
      }
      continue;
    }
    normalised.push(looseChar(char));
    origin.push(index);
  }
  const needle = [...unwrapQuote(quote).replace(/\s+/g, " ")].map(looseChar).join("");
  if (needle.length < 8) return undefined;
  const at = normalised.join("").indexOf(needle);
  if (at < 0) return undefined;
  const start = origin[at] as number;
  const end = (origin[at + needle.length - 1] as number) + 1;
  return { start, end };
}

/** The quote without surrounding whitespace, ellipses, or a pair of quote marks wrapped around it all. */
function unwrapQuote(quote: string): string {
  const trimmed = quote.trim().replace(/^(?:\.\.\.|…)\s*|\s*(?:\.\.\.|…)$/g, "");
  const wrapped = /^["'“‘]([\s\S]*)["'”’]$/.exec(trimmed);
  return (wrapped?.[1] ?? trimmed).trim();
}

/** Evidence from one paper whose summaries share most of their words is one piece of evidence (the more relevant). */
export function mergeNearDuplicates<T extends { paperId: string; summary: string; relevance: number }>(items: readonly T[]): T[] {
  const kept: T[] = [];
  for (const item of [...items].sort((a, b) => b.relevance - a.relevance)) {
    const words = wordSet(item.summary);
    const duplicate = kept.some((other) => other.paperId === item.paperId && jaccard(words, wordSet(other.summary)) >= 0.6);
    if (!duplicate) kept.push(item);
  }
  // Keep the ranking order of the survivors.
  return items.filter((item) => kept.includes(item));
}

function wordSet(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const word of a) if (b.has(word)) shared += 1;
  return shared / (a.size + b.size - shared);
}
