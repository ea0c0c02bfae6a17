import { describe, expect, it } from "vitest";
import { chunkDocument, sectionText, splitSentences } from "../src/index/chunker.js";
import type { Chunk, Document } from "../src/types.js";

function paperOf(sections: Document["sections"]): Document {
  return { paperId: "pmid:1", access: "fulltext", sections, captions: [], references: [] };
}

/** ~40 sentences of varied length, with abbreviations and decimals that must not end sentences. */
function longParagraph(seed: number): string {
  const sentences: string[] = [];
  for (let index = 0; index < 40; index += 1) {
    const words = Array.from({ length: 5 + ((index * 7 + seed) % 23) }, (_, word) => `word${(index + word) % 11}`);
    sentences.push(`Sentence ${index} by Smith et al. shows ${words.join(" ")} at p = 0.0${index % 9} in E. coli (Fig. ${index}).`);
  }
  return sentences.join(" ");
}

function expectInvariants(document: Document, chunks: Chunk[], size: number, overlap: number): void {
  for (const chunk of chunks) {
    const section = document.sections[chunk.sectionIndex];
    expect(section).toBeDefined();
    const text = sectionText(section ?? { path: [], paragraphs: [] });
    expect(text.slice(chunk.start, chunk.end)).toBe(chunk.text);
    expect(chunk.sectionPath).toEqual(section?.path);
    expect(chunk.text.length).toBeLessThanOrEqual(size);
    expect(chunk.text).toBe(chunk.text.trim());
    expect(chunk.id).toBe(`${document.paperId}#${chunk.sectionIndex}:${chunk.start}`);
  }
  for (let index = 1; index < chunks.length; index += 1) {
    const previous = chunks[index - 1];
    const current = chunks[index];
    if (!previous || !current || previous.sectionIndex !== current.sectionIndex) continue;
    expect(current.start).toBeGreaterThan(previous.start);
    expect(current.end).toBeGreaterThan(previous.end);
    expect(Math.max(0, previous.end - current.start)).toBeLessThanOrEqual(overlap);
  }
}

describe("splitSentences", () => {
  it("does not split after abbreviations, initials or inside decimals", () => {
    const text = "Smith et al. reported it in 2019. E. coli grew at p < 0.05 (Fig. 2). It worked, e.g. in mice! Did it? Yes.";
    expect(splitSentences(text).map((sentence) => sentence.text)).toEqual([
      "Smith et al. reported it in 2019.",
      "E. coli grew at p < 0.05 (Fig. 2).",
      "It worked, e.g. in mice!",
      "Did it?",
      "Yes.",
    ]);
  });

  it("ends a sentence at a blank line and gives offsets into the text", () => {
    const text = "  First paragraph without a stop\n\nSecond one. Third.  ";
    const sentences = splitSentences(text);
    expect(sentences.map((sentence) => sentence.text)).toEqual(["First paragraph without a stop", "Second one.", "Third."]);
    for (const sentence of sentences) expect(text.slice(sentence.start, sentence.end)).toBe(sentence.text);
  });

  it("returns nothing for blank text", () => {
    expect(splitSentences("")).toEqual([]);
    expect(splitSentences(" \n\n ")).toEqual([]);
  });
});

describe("chunkDocument", () => {
  const document = paperOf([
    { path: ["Abstract"], paragraphs: [longParagraph(1)] },
    { path: ["Methods", "Strains"], paragraphs: [longParagraph(2), longParagraph(3)] },
    { path: ["Empty"], paragraphs: ["", "   "] },
    { path: ["Results"], paragraphs: ["One short sentence."] },
  ]);

  it("keeps offsets, sections, sizes and overlaps within bounds", () => {
    for (const [size, overlap] of [
      [1200, 200],
      [400, 100],
      [250, 0],
    ] as const) {
      const chunks = chunkDocument(document, { size, overlap });
      expectInvariants(document, chunks, size, overlap);
      expect(chunks.some((chunk) => chunk.sectionIndex === 2)).toBe(false);
      expect(chunks.filter((chunk) => chunk.sectionIndex === 3).map((chunk) => chunk.text)).toEqual(["One short sentence."]);
    }
  });

  it("covers every sentence, and ends chunks at sentence ends, not after an abbreviation", () => {
    const chunks = chunkDocument(document, { size: 500, overlap: 120 });
    for (const [sectionIndex, section] of document.sections.entries()) {
      const own = chunks.filter((chunk) => chunk.sectionIndex === sectionIndex);
      for (const sentence of splitSentences(sectionText(section))) {
        expect(own.some((chunk) => chunk.start <= sentence.start && sentence.end <= chunk.end)).toBe(true);
      }
    }
    for (const chunk of chunks) expect(chunk.text).toMatch(/[.!?)]$/);
  });

  it("overlaps consecutive chunks by whole sentences when they fit", () => {
    const chunks = chunkDocument(paperOf([{ path: [], paragraphs: [longParagraph(4)] }]), { size: 600, overlap: 200 });
    expect(chunks.length).toBeGreaterThan(2);
    const overlapping = chunks.slice(1).filter((chunk, index) => chunk.start < (chunks[index]?.end ?? 0));
    expect(overlapping.length).toBeGreaterThan(0);
  });

  it("cuts a sentence longer than the chunk size at word boundaries", () => {
    const words = Array.from({ length: 400 }, (_, index) => `token${index}`);
    const section = { path: ["Long"], paragraphs: [`${words.join(" ")}.`] };
    const chunks = chunkDocument(paperOf([section]), { size: 300, overlap: 50 });
    const text = sectionText(section);
    expect(chunks.length).toBeGreaterThan(5);
    expectInvariants(paperOf([section]), chunks, 300, 50);
    for (const chunk of chunks) {
      expect(chunk.start === 0 || /\s/.test(text.charAt(chunk.start - 1))).toBe(true);
      expect(chunk.end === text.length || /\s/.test(text.charAt(chunk.end))).toBe(true);
    }
    expect(chunks.at(-1)?.end).toBe(text.length);
  });

  it("cuts a single word longer than the chunk size mid-word rather than looping", () => {
    const section = { path: [], paragraphs: ["x".repeat(1000)] };
    const chunks = chunkDocument(paperOf([section]), { size: 300, overlap: 50 });
    expectInvariants(paperOf([section]), chunks, 300, 50);
    expect(chunks.at(-1)?.end).toBe(1000);
  });

  it("gives no chunks for a document without text", () => {
    expect(chunkDocument(paperOf([]))).toEqual([]);
    expect(chunkDocument(paperOf([{ path: ["A"], paragraphs: [] }]))).toEqual([]);
  });
});
