// A scripted agent on the fake OpenAI-compatible server: default replies for every agent step (plan,
// hypotheses, evidence, assessment, answer) that a test overrides where it cares, optionally slowed.
import { onTestFinished } from "vitest";
import { bySchema, startFakeLlm, type FakeChatRequest, type FakeLlm, type FakeReply } from "./fake-llm.js";
import { makeTempDir } from "./temp.js";

export const userMessage = (request: FakeChatRequest): string => request.body.messages.find((message) => message.role === "user")?.content ?? "";

/** The passage an evidence request fenced, as the model reads it. */
export const fencedPassage = (request: FakeChatRequest): string => /<<<DATA [^\n]*>>>\n([\s\S]*)\n<<<END DATA/.exec(userMessage(request))?.[1] ?? "";

/**
 * An evidence judge: relevant when the passage's own text (its last line, after the Paper/Section
 * lines) has a sentence matching `pattern` of more than 30 characters; the quote is copied from it.
 */
export function judgeBy(pattern: RegExp, relevance = 7): (request: FakeChatRequest) => FakeReply {
  return (request) => {
    const text = fencedPassage(request).split("\n").at(-1) ?? "";
    const sentence = text.split(/(?<=\.)\s+/).find((candidate) => pattern.test(candidate) && candidate.length > 30);
    if (!sentence) return { json: { relevance: 0, summary: "", quote: "" } };
    return { json: { relevance, summary: `The passage reports: ${sentence.slice(0, 80)}`, quote: sentence.slice(0, 50) } };
  };
}

const plan = (term: string, synonyms: string[] = []): FakeReply => ({
  json: { queries: [{ must: [{ term, synonyms }], should: [], yearFrom: null, yearTo: null }] },
});

/** The passages a claim-verification request fenced, one per evidence key. */
export const fencedPassages = (request: FakeChatRequest): { key: string; text: string }[] =>
  [...fencedPassage(request).matchAll(/\[(E\d+)\] ([^\n]*)/g)].map((match) => ({ key: match[1] ?? "", text: match[2] ?? "" }));

/** The claim a claim-verification request checks. */
export const checkedClaim = (request: FakeChatRequest): string => /^Claim: (.*)$/m.exec(userMessage(request))?.[1] ?? "";

/** A claim judge that finds every claim supported, quoting the first sentence of the first passage. */
export function supportEverything(request: FakeChatRequest): FakeReply {
  const first = fencedPassages(request)[0]?.text ?? "";
  return { json: { verdict: "supported", quote: first.split(/(?<=\.)\s+/)[0] ?? "", revision: "" } };
}

export const SUFFICIENT: FakeReply = { json: { sufficient: true, missing: [], followCitations: false, queries: [] } };

/** The agent's replies about lysis in phage lambda (the fixtures/jats library); any step can be replaced. */
export function lysisScript(): Record<string, (request: FakeChatRequest) => FakeReply> {
  return {
    search_plan: () => plan("lysis time", ["holin"]),
    hypothetical_answers: () => ({ json: { answers: [{ answer: "The holin sets the time of lysis.", rationale: "holin", synonyms: ["S105"] }] } }),
    passage_evidence: judgeBy(/lysis/i),
    evidence_assessment: () => SUFFICIENT,
    cited_answer: () => ({
      json: { status: "answered", confidence: "medium", answer: "Lysis timing is set by the holin [E1].", findings: ["The holin triggers lysis [E1]."], agreement: [], disagreement: [] },
    }),
    claim_verdict: supportEverything,
    verification_questions: () => ({
      json: { questions: [{ question: "Which protein sets the time of lysis?", query: { must: [{ term: "holin", synonyms: [] }], should: [], yearFrom: null, yearTo: null } }] },
    }),
  };
}

/** Start the fake server with the script (every reply delayed by `delayMs`); it closes when the test ends. */
export async function startAgentLlm(script: Record<string, (request: FakeChatRequest) => FakeReply>, delayMs = 0): Promise<FakeLlm> {
  const delayed = Object.fromEntries(Object.entries(script).map(([name, handler]) => [name, (request: FakeChatRequest) => ({ ...handler(request), delayMs })]));
  const llm = await startFakeLlm({ reply: bySchema(delayed) });
  onTestFinished(() => llm.close());
  return llm;
}

/** The environment that points the CLI at the fake server, with a cache of its own. */
export const llmEnv = (baseUrl: string): NodeJS.ProcessEnv => ({
  OPENAI_BASE_URL: baseUrl,
  LITREVIEW_MODEL: "fake-model",
  LITREVIEW_CACHE_DIR: makeTempDir("litreview-llm-cache-"),
});
