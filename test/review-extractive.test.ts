import { describe, expect, it } from "vitest";
import { chunkDocument } from "../src/index/chunker.js";
import { rankChunks } from "../src/index/fusion.js";
import { selectExtractiveAnswer } from "../src/review/extractive.js";
import type { Document } from "../src/types.js";

function abstractDocument(paperId: string, text: string): Document {
  return { paperId, access: "abstract-only", sections: [{ path: ["Abstract"], paragraphs: [text] }], captions: [], references: [] };
}

const documents = [
  abstractDocument(
    "p1",
    "Programmed cell death shapes lace plant leaves. Mitochondria change shape and lose membrane potential early in programmed cell death of lace plant leaf cells. We conclude that mitochondria play an early role in remodelling lace plant leaves.",
  ),
  abstractDocument("p2", "Vaccination plays a protective role against pneumococcal disease in older adults. Uptake remains low in many regions."),
  abstractDocument("p3", "Glaciers in Greenland retreat faster in warm summers. Ice loss is measured by satellite gravimetry."),
  abstractDocument("p4", "Leaf shape in aquatic plants varies with water depth. Lace plant leaves form perforations during development."),
];
const chunks = documents.flatMap((document) => chunkDocument(document));
const titles = new Map(documents.map((document) => [document.paperId, ""]));

function select(question: string) {
  const ranking = rankChunks(chunks, titles, [question]);
  return selectExtractiveAnswer(question, ranking.ranked, ranking.idf);
}

describe("selectExtractiveAnswer", () => {
  it("answers with the sentence that states the conclusion, quoted verbatim with its offsets", () => {
    const selection = select("Do mitochondria play a role in remodelling lace plant leaves?");
    expect(selection.status).toBe("answered");
    const [best] = selection.answer;
    expect(best?.paperId).toBe("p1");
    expect(best?.text).toBe("We conclude that mitochondria play an early role in remodelling lace plant leaves.");
    const section = documents[0]?.sections[0]?.paragraphs.join("\n\n") ?? "";
    expect(section.slice(best?.start, best?.end)).toBe(best?.text);
  });

  it("leaves out sentences that only share generic words with the question", () => {
    const selection = select("Do mitochondria play a role in remodelling lace plant leaves?");
    expect(selection.findings.map((finding) => finding.paperId)).not.toContain("p2");
    expect(selection.findings.map((finding) => finding.paperId)).not.toContain("p3");
  });

  it("reads the best passage with its paper's title when judging coverage", () => {
    const question = "Does lysis timing vary in bacteriophage lambda?";
    const phage = [abstractDocument("phage", "Holin expression sets when infected cells burst. The timing differs widely between individual cells.")];
    const phageChunks = phage.flatMap((document) => chunkDocument(document));
    const fillers = documents.flatMap((document) => chunkDocument(document));
    const withTitles = new Map([...titles, ["phage", "Lysis time stochasticity in bacteriophage lambda"]]);
    const ranking = rankChunks([...phageChunks, ...fillers], withTitles, [question]);
    expect(selectExtractiveAnswer(question, ranking.ranked, ranking.idf).status).toBe("insufficient");
    expect(selectExtractiveAnswer(question, ranking.ranked, ranking.idf, undefined, withTitles).status).toBe("answered");
  });

  it("declares the evidence insufficient when the best passage misses the question's informative terms", () => {
    const selection = select("What is the boiling point of tungsten hexafluoride?");
    expect(selection.status).toBe("insufficient");
  });
});
