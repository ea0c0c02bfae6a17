// The review's trust features end to end, on the built CLI with the scripted fake model: claims
// checked against what they cite (rewritten, dropped, shown in the verification table), an honest
// insufficient-evidence review, the Chain-of-Verification round that reads more papers, --length.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderPlannedQuery, type PlannedQuery } from "../src/agent/plan.js";
import { checkedClaim, llmEnv, lysisScript, startAgentLlm, userMessage } from "./helpers/agent-llm.js";
import { runCli } from "./helpers/cli.js";
import type { FakeChatRequest, FakeReply } from "./helpers/fake-llm.js";
import { startScholarlyServers } from "./helpers/scholarly.js";

const QUESTION = "What determines lysis time in bacteriophage lambda?";
const LIBRARY = ["--library", "fixtures/jats", "--sources", "none"];

interface ReviewJson {
  status: string;
  answer: string;
  keyFindings: string[];
  claims: { section: string; text: string; draftText: string; verdict: string; method: string; action: string; citations: number[]; decidingQuote: { text: string; citation: number } | null }[];
  references: { number: number; title: string }[];
  evidence: unknown[];
  methods: {
    verificationRound: { questions: string[]; queriesSent: number; papersAdded: number; evidenceAdded: number } | null;
    counts: Record<string, number>;
    searches: { source: string; query: string; returned: number }[];
  };
}

const draft = (answer: string, findings: string[] = [], extra: { agreement?: string[]; disagreement?: string[] } = {}): FakeReply => ({
  json: { status: "answered", confidence: "medium", answer, findings, agreement: extra.agreement ?? [], disagreement: extra.disagreement ?? [] },
});

const schemaOf = (request: FakeChatRequest) => request.body.response_format?.json_schema?.name;

describe("claim verification", () => {
  it("rewrites a claim the judge finds overstated, drops one it finds unsupported, and shows both in the verification table", async () => {
    const llm = await startAgentLlm({
      ...lysisScript(),
      cited_answer: () => draft("Lysis timing is set by the holin [E1]. The holin acts alone in every phage [E1].", ["Holin expression doubles the speed of lysis [E1]."]),
      claim_verdict: (request) => {
        const claim = checkedClaim(request);
        if (claim.includes("every phage")) return { json: { verdict: "partially", quote: "", revision: "In phage lambda the holin sets when lysis happens" } };
        if (claim.includes("doubles")) return { json: { verdict: "unsupported", quote: "", revision: "" } };
        return { json: { verdict: "supported", quote: "", revision: "" } };
      },
    });
    const env = llmEnv(llm.baseUrl);
    const json = await runCli(["ask", QUESTION, ...LIBRARY, "--no-verify", "--format", "json"], { env });
    expect(json.code).toBe(0);
    const review = JSON.parse(json.stdout) as ReviewJson;
    expect(review.status).toBe("answered");
    expect(review.answer).toBe("Lysis timing is set by the holin [1]. In phage lambda the holin sets when lysis happens [1].");
    expect(review.keyFindings).toEqual([]);
    expect(review.claims.map(({ section, verdict, method, action }) => ({ section, verdict, method, action }))).toEqual([
      { section: "answer", verdict: "supported", method: "model", action: "kept" },
      { section: "answer", verdict: "partially", method: "model", action: "rewritten" },
      { section: "finding", verdict: "unsupported", method: "model", action: "dropped" },
    ]);
    expect(review.claims[2]).toMatchObject({ text: "Holin expression doubles the speed of lysis.", citations: [] });

    // The same run from the cache, as Markdown: the table shows every verdict; the dropped claim is not in the text.
    const markdown = await runCli(["ask", QUESTION, ...LIBRARY, "--no-verify"], { env });
    expect(markdown.code).toBe(0);
    const text = markdown.stdout;
    const body = text.slice(0, text.indexOf("## Verification"));
    expect(body).not.toContain("doubles");
    expect(body).not.toContain("acts alone");
    expect(text).toContain("3 claim(s) checked against the passages they cite (3 by the language model, 0 by lexical support");
    expect(text).toContain("1 supported, 1 partially supported, 1 unsupported; 1 rewritten, 1 dropped.");
    expect(text).toContain("| 2 | answer | In phage lambda the holin sets when lysis happens [1]. (draft: The holin acts alone in every phage.) | partially | rewritten |");
    expect(text).toContain("| 3 | finding | ~~Holin expression doubles the speed of lysis.~~ | unsupported | dropped |");
  });

  it("quotes the passage that decided, verbatim, and falls back to lexical support when the judge's reply is unusable", async () => {
    const llm = await startAgentLlm({
      ...lysisScript(),
      cited_answer: () => draft("Lysis timing is set by the holin [E1].", ["Phage lambda lysis is caused by an unrelated flux capacitor [E1]."]),
      claim_verdict: (request) =>
        checkedClaim(request).includes("flux capacitor")
          ? { content: "It is hard to say." }
          : { json: { verdict: "supported", quote: "λ phage lysis timing is mainly determined by when a critical concentration of holin proteins is reached", revision: "" } },
    });
    const result = await runCli(["ask", QUESTION, ...LIBRARY, "--no-verify", "--format", "json"], { env: llmEnv(llm.baseUrl) });
    expect(result.code).toBe(0);
    const review = JSON.parse(result.stdout) as ReviewJson;
    const [answerClaim, findingClaim] = review.claims;
    expect(answerClaim).toMatchObject({ verdict: "supported", method: "model" });
    expect(answerClaim?.decidingQuote?.text).toBe("λ phage lysis timing is mainly determined by when a critical concentration of holin proteins is reached");
    const paper = await runCli(["fetch", "fixtures/jats/pmc-jats-PMC3166277.xml", "--format", "md"]);
    expect(paper.stdout).toContain(answerClaim?.decidingQuote?.text);
    // The judge answered prose twice (the reply and its repair): the terms decide, and most are not in the passage.
    expect(findingClaim).toMatchObject({ method: "lexical", verdict: "unsupported", action: "dropped" });
    expect(review.keyFindings).toEqual([]);
  });
});

describe("abstention", () => {
  it("writes an honest insufficient-evidence review, exit 0, when no passage bears on the question", async () => {
    const llm = await startAgentLlm({ ...lysisScript(), passage_evidence: () => ({ json: { relevance: 0, summary: "", quote: "" } }) });
    const env = llmEnv(llm.baseUrl);
    const json = await runCli(["ask", QUESTION, ...LIBRARY, "--format", "json"], { env });
    expect(json.code).toBe(0);
    const review = JSON.parse(json.stdout) as ReviewJson;
    expect(review).toMatchObject({ status: "insufficient", answer: "No passage among the papers read bears on this question.", claims: [], references: [], evidence: [] });
    expect(llm.completions().map(schemaOf)).not.toContain("cited_answer");

    const markdown = (await runCli(["ask", QUESTION, ...LIBRARY], { env })).stdout;
    expect(markdown).toContain("**Insufficient evidence.** No passage among the papers read bears on this question.");
    expect(markdown).toContain("- The searched sources did not contain a passage that answers the question; widen the library or the search.");
    expect(markdown).toContain("- Searched local library `fixtures/jats`: 5 paper(s).");
    expect(markdown).toContain("## References\n\nNone: nothing was cited.");
  });
});

describe("Chain-of-Verification", () => {
  const firstRound: PlannedQuery = { must: [{ term: "holin", synonyms: [] }], should: [], yearFrom: null, yearTo: null };
  const checking: PlannedQuery = { must: [{ term: "time-restricted eating", synonyms: [] }], should: [], yearFrom: null, yearTo: null };

  it("searches the draft's key statements afresh, reads the new papers and rebuilds the review on all the evidence", async () => {
    // PubMed finds nothing for the first round's query (a real empty esearch) and one paper for the verification query.
    const recordedSearch = readFileSync("fixtures/api/ncbi-eutils/esearch-pubmed-biopython.xml", "utf8");
    const onePaper = recordedSearch.replace(/<Count>\d+<\/Count>/, "<Count>1</Count>").replace(/<IdList>[\s\S]*<\/IdList>/, "<IdList>\n<Id>27797938</Id>\n</IdList>");
    const servers = await startScholarlyServers({
      ncbi: [
        { path: "/esearch.fcgi", query: { term: renderPlannedQuery("pubmed", checking) }, response: { body: onePaper, headers: { "content-type": "text/xml" } } },
        { path: "/esearch.fcgi", response: { bodyFile: "api/ncbi-eutils/esearch-protein-no-results.xml", headers: { "content-type": "text/xml" } } },
        { path: "/efetch.fcgi", query: { db: "pubmed" }, response: { bodyFile: "api/ncbi-eutils/efetch-pubmed-27797938.xml", headers: { "content-type": "text/xml" } } },
      ],
    });
    const llm = await startAgentLlm({
      ...lysisScript(),
      search_plan: () => ({ json: { queries: [firstRound] } }),
      verification_questions: () => ({ json: { questions: [{ question: "Does time-restricted eating change lysis?", query: checking }] } }),
      // Everything is relevant in this test, so the new paper's passages become evidence.
      passage_evidence: (request) => {
        const text = /<<<DATA [^\n]*>>>\n([\s\S]*)\n<<<END DATA/.exec(userMessage(request))?.[1]?.split("\n").at(-1) ?? "";
        const sentence = text.split(/(?<=\.)\s+/)[0] ?? "";
        return sentence.length > 30 ? { json: { relevance: 6, summary: "A finding.", quote: sentence } } : { json: { relevance: 0, summary: "", quote: "" } };
      },
    });
    const env = { ...servers.env, ...llmEnv(llm.baseUrl), LITREVIEW_EMAIL: "reviewer@example.org" };
    const args = ["ask", QUESTION, "--library", "fixtures/jats", "--sources", "pubmed", "--max-iterations", "1"];
    const json = await runCli([...args, "--format", "json"], { env });
    expect(json.code).toBe(0);
    const review = JSON.parse(json.stdout) as ReviewJson;
    expect(review.methods.verificationRound).toEqual({
      questions: ["Does time-restricted eating change lysis?"],
      queriesSent: 1,
      papersAdded: 1,
      passagesJudged: expect.any(Number) as number,
      evidenceAdded: expect.any(Number) as number,
    });
    expect(review.methods.verificationRound?.evidenceAdded).toBeGreaterThan(0);
    // The flow counts include the paper the round read: five from the library, one from PubMed.
    expect(review.methods.counts.papers).toBe(6);
    expect(review.methods.searches.map((search) => [search.query, search.returned])).toEqual([
      [renderPlannedQuery("pubmed", firstRound), 0],
      [renderPlannedQuery("pubmed", checking), 1],
    ]);
    const answers = llm.completions().filter((request) => schemaOf(request) === "cited_answer");
    expect(answers).toHaveLength(2);
    expect(userMessage(answers[1] as FakeChatRequest)).toContain("- Does time-restricted eating change lysis?");

    const markdown = (await runCli(args, { env })).stdout;
    expect(markdown).toMatch(
      /- Chain-of-Verification: the draft's key statements became 1 verification question\(s\), searched with 1 new query; the round read 1 more paper\(s\), judged \d+ passage\(s\) and added \d+ evidence item\(s\); the review was rebuilt on all the evidence\./,
    );
  });

  it("is off with --no-verify and at quick depth, and says so in Methods", async () => {
    const llm = await startAgentLlm(lysisScript());
    const env = llmEnv(llm.baseUrl);
    for (const flags of [["--no-verify"], ["--depth", "quick"]]) {
      const result = await runCli(["ask", QUESTION, ...LIBRARY, ...flags], { env });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("- Chain-of-Verification: not run: turned off (--no-verify; off by default at quick depth).");
    }
    expect(llm.completions().map(schemaOf)).not.toContain("verification_questions");
    const verified = await runCli(["ask", QUESTION, ...LIBRARY, "--depth", "quick", "--verify"], { env });
    expect(verified.stdout).toContain("- Chain-of-Verification: the draft's key statements became 1 verification question(s)");
  });

  it("goes on without the round, and says why, when the model gives no usable verification questions", async () => {
    const llm = await startAgentLlm({ ...lysisScript(), verification_questions: () => ({ content: "Let me think about which statements matter most." }) });
    const result = await runCli(["ask", QUESTION, ...LIBRARY, "--format", "json"], { env: llmEnv(llm.baseUrl) });
    expect(result.code).toBe(0);
    const review = JSON.parse(result.stdout) as ReviewJson & { methods: { verificationSkipped: string | null } };
    expect(review.status).toBe("answered");
    expect(review.methods.verificationRound).toBeNull();
    expect(review.methods.verificationSkipped).toBe("the model gave no usable verification questions");
    // The plan was asked for twice (the reply and its repair); the answer was written once, from the first round's evidence.
    const steps = llm.completions().map(schemaOf);
    expect(steps.filter((step) => step === "verification_questions")).toHaveLength(2);
    expect(steps.filter((step) => step === "cited_answer")).toHaveLength(1);
  });
});

describe("--length", () => {
  it("asks for a shorter review and keeps at most three key findings with --length short", async () => {
    const findings = ["The holin triggers lysis [E1].", "Holin is a membrane protein [E1].", "Lysis is timed [E1].", "Lambda has a holin [E1].", "Timing varies [E1]."];
    const llm = await startAgentLlm({ ...lysisScript(), cited_answer: () => draft("Lysis timing is set by the holin [E1].", findings) });
    const result = await runCli(["ask", QUESTION, ...LIBRARY, "--no-verify", "--length", "short", "--format", "json"], { env: llmEnv(llm.baseUrl) });
    expect(result.code).toBe(0);
    const review = JSON.parse(result.stdout) as ReviewJson & { length: string };
    expect(review.length).toBe("short");
    expect(review.keyFindings).toHaveLength(3);
    const system = llm.completions().find((request) => schemaOf(request) === "cited_answer")?.body.messages[0]?.content ?? "";
    expect(system).toContain("the direct answer in two sentences");
    expect(system).toContain("up to 3 key findings");
  });

  it("refuses a length it does not know", async () => {
    const result = await runCli(["ask", QUESTION, ...LIBRARY, "--length", "huge"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--length");
  });
});
