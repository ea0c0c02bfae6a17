// The citation property (test/helpers/review-citations.ts) is checked on every review the suite's
// CLI runs print or write; these tests show the check catches each way a review could break it.
import { describe, expect, it } from "vitest";
import { checkJsonCitations, checkMarkdownCitations, checkReviewText } from "./helpers/review-citations.js";
import { runCli } from "./helpers/cli.js";

const markdown = (body: string, references: number[]) =>
  `# Q\n\n## Answer\n\n${body}\n\n## References\n\n${references.map((number) => `${number}. A paper. DOI: [10.1/x](https://doi.org/10.1/x).`).join("\n")}\n`;

const json = (fields: Record<string, unknown>) => ({
  schemaVersion: "2",
  mode: "llm" as const,
  answer: "",
  keyFindings: [],
  agreement: [],
  disagreement: [],
  claims: [],
  evidence: [],
  answerQuotes: [],
  findings: [],
  references: [{ number: 1 }],
  ...fields,
});

describe("the citation property", () => {
  it("accepts a review whose numbers and references match one to one, escaped brackets and links aside", () => {
    expect(() => checkMarkdownCitations(markdown("Holin [1]. Quoted \\[7\\] text [2, 1].", [1, 2]))).not.toThrow();
    expect(() => checkJsonCitations(json({ answer: "Holin [1]." }))).not.toThrow();
  });

  it("rejects a number without a reference, a reference never cited, a gap in the numbering, and a shown evidence key", () => {
    expect(() => checkMarkdownCitations(markdown("Holin [1] [3].", [1]))).toThrow("cited numbers with no reference: 3");
    expect(() => checkMarkdownCitations(markdown("Holin [1].", [1, 2]))).toThrow("references never cited: 2");
    expect(() => checkMarkdownCitations(markdown("Holin [1] [3].", [1, 3]))).toThrow("not numbered 1..2");
    expect(() => checkMarkdownCitations(markdown("Holin [E1] [1].", [1]))).toThrow("evidence key");
    expect(() => checkJsonCitations(json({ answer: "Holin [2]." }))).toThrow("cited numbers with no reference: 2");
    expect(() => checkJsonCitations(json({ answer: "Holin." }))).toThrow("references never cited: 1");
    expect(() => checkJsonCitations(json({ answer: "Holin [1].", keyFindings: ["More [E4]."] }))).toThrow("evidence key");
  });

  it("is applied to what the CLI prints", async () => {
    const result = await runCli(["ask", "What determines lysis time in bacteriophage lambda?", "--library", "fixtures/jats", "--sources", "none", "--no-llm"]);
    expect(result.code).toBe(0);
    expect(checkReviewText(result.stdout)).toBe(true);
  });
});
