// Claim verification: each cited sentence of the draft is checked by the model against the passages
// it cites (supported, partially, unsupported), with the sentence that decided copied from them and,
// where the claim goes beyond them, a restatement of what they do support. When the model cannot
// judge (budget spent, unusable reply) the lexical support score decides instead.
import { z } from "zod";
import { DATA_SAFETY_RULE, fenceData } from "../llm/prompt.js";
import type { LlmClient } from "../llm/types.js";
import { judgeLexically, lexicalSupport, type ClaimJudgement, type DraftItem, type DraftSentence } from "../review/claims.js";
import { locateQuote } from "./evidence.js";

export const ClaimVerdictSchema = z.object({
  verdict: z.enum(["supported", "partially", "unsupported"]),
  /** The sentence of the passages that decides, word for word. */
  quote: z.string().max(2000),
  /** For partially and unsupported: the claim restated to say only what the passages support; empty when nothing. */
  revision: z.string().max(2000),
});

const VERIFY_SYSTEM = [
  "You check one claim of a literature review against the passages it cites, and nothing else.",
  "supported: the passages state it, with the numbers, direction and model system the claim gives;",
  "partially: they support part of it, or the claim overstates them (generalises beyond the model system or",
  "population, is stronger or more certain than they are); unsupported: they do not state it, or contradict it.",
  "quote: copy the one sentence from the passages that decides, word for word.",
  "revision: for partially and unsupported, restate the claim so that it says only what the passages support",
  "(an empty string when they support nothing related); for supported, an empty string. Never add citations.",
  DATA_SAFETY_RULE,
].join(" ");

/** A passage a claim cites: its evidence key and the text of the chunk the evidence came from. */
export interface CitedPassage {
  key: string;
  text: string;
}

/**
 * Judgements for every cited sentence of the draft, in parallel. A sentence citing only keys that do
 * not exist is unsupported without asking anyone.
 */
export async function verifyClaims(
  items: readonly DraftItem[],
  passagesFor: (keys: readonly string[]) => CitedPassage[],
  llm: LlmClient,
  signal?: AbortSignal,
): Promise<Map<DraftSentence, ClaimJudgement>> {
  const claims = items.flatMap((item) => item.sentences.filter((sentence) => sentence.keys.length > 0));
  const judged = await Promise.all(
    claims.map(async (sentence): Promise<[DraftSentence, ClaimJudgement]> => {
      const passages = passagesFor(sentence.keys);
      if (passages.length === 0) return [sentence, { verdict: "unsupported", method: "citation-check", score: null, decidingQuote: null, revision: "" }];
      return [sentence, await judgeClaim(sentence.text, passages, llm, signal)];
    }),
  );
  return new Map(judged);
}

async function judgeClaim(claim: string, passages: readonly CitedPassage[], llm: LlmClient, signal?: AbortSignal): Promise<ClaimJudgement> {
  const listing = passages.map((passage) => `[${passage.key}] ${passage.text}`).join("\n\n");
  const result = await llm.complete({
    step: "verify-claim",
    role: "main",
    system: VERIFY_SYSTEM,
    user: `Claim: ${claim}\n\nPassages it cites:\n${fenceData("passages", listing)}`,
    schema: ClaimVerdictSchema,
    schemaName: "claim_verdict",
    temperature: 0,
    ...(signal ? { signal } : {}),
  });
  if (!result.ok) return judgeLexically(claim, passages);
  const { verdict, quote, revision } = result.value;
  return { verdict, method: "model", score: null, decidingQuote: decidingSentence(quote, passages), revision: verdict === "supported" ? "" : revision };
}

/**
 * The model's quote as the passage's own text; when it is not verbatim, the passage sentence most
 * like it (if any is at least half alike), so a quote shown is always the source's words.
 */
function decidingSentence(quote: string, passages: readonly CitedPassage[]): { key: string; text: string } | null {
  if (quote.trim().length === 0) return null;
  for (const passage of passages) {
    const span = locateQuote(passage.text, quote);
    if (span) return { key: passage.key, text: passage.text.slice(span.start, span.end) };
  }
  const closest = lexicalSupport(quote, passages);
  return closest.score >= 0.5 ? closest.best : null;
}
