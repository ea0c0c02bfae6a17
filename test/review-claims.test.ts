// Claims: splitting a draft into cited sentences, the lexical support score, and the review text
// rebuilt from the verdicts with reference numbers in order of first use.
import { describe, expect, it } from "vitest";
import { actionFor, assembleSections, citationNumbers, draftItems, judgeLexically, splitDraftSentences, type ClaimJudgement } from "../src/review/claims.js";
import { CitationRegistry } from "../src/review/references.js";

const judgement = (verdict: ClaimJudgement["verdict"], revision = "", method: ClaimJudgement["method"] = "model"): ClaimJudgement => ({
  verdict,
  method,
  score: null,
  decidingQuote: null,
  revision,
});

describe("splitDraftSentences", () => {
  it("gives each sentence the keys it cites, including citations written after its full stop", () => {
    const sentences = splitDraftSentences("Holin sets lysis time [E1][E3]. It acts at 42 °C. [E2] Antiholin delays it (e.g. S107) [E4, E5].");
    expect(sentences.map(({ text, keys }) => ({ text, keys }))).toEqual([
      { text: "Holin sets lysis time.", keys: ["E1", "E3"] },
      { text: "It acts at 42 °C.", keys: ["E2"] },
      { text: "Antiholin delays it (e.g. S107).", keys: ["E4", "E5"] },
    ]);
  });
});

describe("judgeLexically", () => {
  const passages = [{ key: "E1", text: "Lysis time depends on the holin. The holin accumulates in the membrane until it triggers." }];

  it("scores the share of the claim's terms found in the cited passages and quotes the sentence sharing most", () => {
    const supported = judgeLexically("The holin accumulates in the membrane", passages);
    expect(supported).toMatchObject({ verdict: "supported", method: "lexical", score: 1, decidingQuote: { key: "E1", text: "The holin accumulates in the membrane until it triggers." } });
    // lysis, time, holin of lysis/time/holin/flux/capacitor: 3 of 5.
    expect(judgeLexically("Lysis time holin flux capacitor", passages)).toMatchObject({ verdict: "partially", score: 0.6 });
    expect(judgeLexically("Quantum flux capacitors explode", passages)).toMatchObject({ verdict: "unsupported", score: 0 });
  });

  it("keeps or drops but never rewrites, since it has no restatement", () => {
    expect(actionFor(judgeLexically("Quantum flux capacitors explode", passages))).toBe("dropped");
    expect(actionFor(judgement("partially", "", "lexical"))).toBe("kept");
    expect(actionFor(judgement("partially", "Narrower."))).toBe("rewritten");
    expect(actionFor(judgement("unsupported", "Narrower."))).toBe("rewritten");
    expect(actionFor(judgement("unsupported"))).toBe("dropped");
  });
});

describe("assembleSections", () => {
  const known = new Map([
    ["E1", { paperId: "p1" }],
    ["E2", { paperId: "p2" }],
    ["E3", { paperId: "p1" }],
  ]);

  it("numbers papers by first use across answer, findings, agreement and disagreement, and drops what the judge rejects", () => {
    const items = draftItems({
      answer: ["Framing without a citation. The holin sets lysis time [E2]. It works everywhere [E1]."],
      finding: ["A finding [E3][E9].", "An invented finding [E9]."],
      agreement: ["Both agree [E1][E2]."],
      disagreement: [],
    });
    const verdicts = new Map<string, ClaimJudgement>([
      ["It works everywhere.", judgement("partially", "It works in phage lambda [E7].")],
      ["An invented finding.", judgement("unsupported", "", "citation-check")],
    ]);
    const registry = new CitationRegistry();
    const assembled = assembleSections(items, (sentence) => verdicts.get(sentence.text) ?? judgement("supported"), known, (paperId) => registry.cite(paperId));
    expect(assembled.answer).toBe("Framing without a citation. The holin sets lysis time [1]. It works in phage lambda [2].");
    expect(assembled.findings).toEqual(["A finding [2]."]);
    expect(assembled.agreement).toEqual(["Both agree [2, 1]."]);
    expect(assembled.disagreement).toEqual([]);
    expect(registry.citedPaperIds()).toEqual(["p2", "p1"]);
    expect(assembled.unknownKeys).toEqual(["E9", "E9"]);
    expect(assembled.citedKeys).toEqual(["E2", "E1", "E3"]);
    expect(assembled.claims.map(({ section, action, citations }) => ({ section, action, citations }))).toEqual([
      { section: "answer", action: "kept", citations: [1] },
      { section: "answer", action: "rewritten", citations: [2] },
      { section: "finding", action: "kept", citations: [2] },
      { section: "finding", action: "dropped", citations: [] },
      { section: "agreement", action: "kept", citations: [2, 1] },
    ]);
    // A restatement keeps the claim's own keys, never the ones the judge wrote.
    expect(assembled.claims[1]?.text).not.toContain("E7");
  });

  it("reads citation numbers back from text", () => {
    expect(citationNumbers("a [2] b [1, 3] c [2] d \\[4\\] e [x]")).toEqual([2, 1, 3]);
  });
});
