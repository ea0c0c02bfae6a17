// Section-aware chunking: a document's sections are cut into overlapping passages at sentence
// boundaries. Offsets point into `sectionText(section)`, so a chunk (and a sentence quoted from it)
// can always be traced back to the exact characters of the paper.
import type { Chunk, Document, Section } from "../types.js";

export interface ChunkOptions {
  /** Longest chunk, in characters. */
  size: number;
  /** Longest overlap between consecutive chunks of a section, in characters. */
  overlap: number;
}

export const DEFAULT_CHUNK_OPTIONS: ChunkOptions = { size: 1200, overlap: 200 };

export interface SentenceSpan {
  text: string;
  /** Offsets into the text that was split: `text.slice(start, end) === span.text`. */
  start: number;
  end: number;
}

/** The text of a section as chunk offsets see it: its paragraphs separated by blank lines. */
export function sectionText(section: Section): string {
  return section.paragraphs.join("\n\n");
}

/**
 * Words that end with a full stop without ending the sentence, compared lower-case without the
 * stop. Units such as "min." and "sec." are left out: they end sentences in methods sections.
 */
const ABBREVIATIONS = new Set([
  "al", "fig", "figs", "eq", "eqs", "ref", "refs", "vs", "approx", "ca", "cf", "dr", "mr", "mrs", "ms", "prof",
  "no", "nos", "vol", "vols", "pp", "tab", "suppl", "resp", "sp", "spp", "subsp", "var", "st", "jr", "inc", "ltd",
  "co", "dept", "univ", "eds", "chap", "sect", "viz", "ibid", "incl",
]);

/** A sentence ends at ., ! or ? (after any closing quotes or brackets) followed by white space. */
const SENTENCE_END = /[.!?]["'\u201d\u2019)\]]*(?=\s)/g;
const PARAGRAPH_BREAK = /\n[ \t]*\n/g;
const NEXT_VISIBLE = /\s+(\S)/y;
/** Letters joined by full stops: "e.g", "i.e", "U.S". */
const DOTTED_LETTERS = /^\p{L}(\.\p{L})+$/u;
const OPENING_MARKS = /^[("'[\u201c\u2018]+/;

/**
 * Splits text into sentences with their offsets, trimmed of surrounding white space. A blank line
 * always ends a sentence. A full stop does not when it follows a known abbreviation ("et al.",
 * "Fig. 2", "e.g."), an initial ("E. coli"), or when the next word starts in lower case; decimals
 * ("0.05") never end one because no white space follows their point.
 */
export function splitSentences(text: string): SentenceSpan[] {
  const spans: SentenceSpan[] = [];
  const terminators = new RegExp(SENTENCE_END);
  let blockStart = 0;
  for (const paragraphBreak of [...text.matchAll(PARAGRAPH_BREAK), undefined]) {
    const blockEnd = paragraphBreak ? paragraphBreak.index : text.length;
    let sentenceStart = blockStart;
    terminators.lastIndex = blockStart;
    for (let match = terminators.exec(text); match && match.index < blockEnd; match = terminators.exec(text)) {
      const end = match.index + match[0].length;
      if (!endsSentence(text, sentenceStart, match.index, end)) continue;
      pushTrimmed(text, sentenceStart, end, spans);
      sentenceStart = end;
    }
    pushTrimmed(text, sentenceStart, blockEnd, spans);
    blockStart = paragraphBreak ? paragraphBreak.index + paragraphBreak[0].length : text.length;
  }
  return spans;
}

/** Whether the terminator at `stop` (its closing marks running to `end`) ends a sentence. */
function endsSentence(text: string, sentenceStart: number, stop: number, end: number): boolean {
  const nextWord = new RegExp(NEXT_VISIBLE);
  nextWord.lastIndex = end;
  const next = nextWord.exec(text)?.[1];
  if (next === undefined) return true;
  if (/\p{Ll}/u.test(next)) return false;
  if (text.charAt(stop) !== ".") return true;
  let wordStart = stop;
  while (wordStart > sentenceStart && !/\s/.test(text.charAt(wordStart - 1))) wordStart -= 1;
  const word = text.slice(wordStart, stop).replace(OPENING_MARKS, "");
  if (/^\p{Lu}$/u.test(word) || DOTTED_LETTERS.test(word)) return false;
  return !ABBREVIATIONS.has(word.toLowerCase());
}

function pushTrimmed(text: string, start: number, end: number, spans: SentenceSpan[]): void {
  while (start < end && /\s/.test(text.charAt(start))) start += 1;
  end = trimEnd(text, start, end);
  if (end > start) spans.push({ text: text.slice(start, end), start, end });
}

/**
 * Cuts each section into chunks of at most `size` characters that end at sentence boundaries and
 * overlap by whole sentences of at most `overlap` characters. A sentence longer than `size` is cut
 * at word boundaries (mid-word only for a single word longer than `size`). Chunks never cross
 * sections; sections without text give none. Ids are `${paperId}#${sectionIndex}:${start}`.
 */
export function chunkDocument(document: Document, options: Partial<ChunkOptions> = {}): Chunk[] {
  const { size, overlap } = { ...DEFAULT_CHUNK_OPTIONS, ...options };
  if (!(size >= 1)) throw new RangeError(`chunk size must be at least 1, got ${size}`);
  const chunks: Chunk[] = [];
  document.sections.forEach((section, sectionIndex) => {
    const text = sectionText(section);
    for (const { start, end } of chunkSpans(text, size, Math.max(0, overlap))) {
      chunks.push({
        id: `${document.paperId}#${sectionIndex}:${start}`,
        paperId: document.paperId,
        sectionPath: section.path,
        sectionIndex,
        start,
        end,
        text: text.slice(start, end),
      });
    }
  });
  return chunks;
}

function chunkSpans(text: string, size: number, overlap: number): Array<{ start: number; end: number }> {
  const sentences = splitSentences(text);
  const first = sentences[0];
  const last = sentences[sentences.length - 1];
  if (!first || !last) return [];
  const sentenceStarts = sentences.map((sentence) => sentence.start);
  const sentenceEnds = sentences.map((sentence) => sentence.end);
  /** The furthest sentence end that fits after `start`; failing that, a cut at a word boundary. */
  const chunkEnd = (start: number): { end: number; atSentence: boolean } => {
    const limit = start + size;
    const sentenceEnd = lastAtMost(sentenceEnds, limit);
    if (sentenceEnd !== undefined && sentenceEnd > start) return { end: sentenceEnd, atSentence: true };
    return { end: wordCut(text, start, Math.min(limit, text.length)), atSentence: false };
  };

  const spans: Array<{ start: number; end: number }> = [];
  let start = first.start;
  let previousEnd = -1;
  for (;;) {
    let { end, atSentence } = chunkEnd(start);
    if (end <= previousEnd) {
      // The overlap left no room for anything new (a long sentence follows): start afresh.
      start = firstAtLeast(sentenceStarts, previousEnd) ?? wordStart(text, previousEnd, previousEnd);
      ({ end, atSentence } = chunkEnd(start));
    }
    spans.push({ start, end });
    if (end >= last.end) return spans;
    // The next chunk starts at the earliest sentence (inside a long sentence: word) that keeps the
    // overlap within bounds, and always after this chunk's start.
    const earliest = Math.max(end - overlap, start + 1);
    start = atSentence ? (firstAtLeast(sentenceStarts, earliest) ?? end) : wordStart(text, earliest, end);
    previousEnd = end;
  }
}

/** The largest value ≤ limit in ascending `values`, if any. */
function lastAtMost(values: readonly number[], limit: number): number | undefined {
  const index = firstIndexWhere(values, (value) => value > limit) - 1;
  return index >= 0 ? values[index] : undefined;
}

/** The smallest value ≥ limit in ascending `values`, if any. */
function firstAtLeast(values: readonly number[], limit: number): number | undefined {
  return values[firstIndexWhere(values, (value) => value >= limit)];
}

/** Binary search: the first index whose value passes a test that is monotone over `values` (length if none). */
function firstIndexWhere(values: readonly number[], passes: (value: number) => boolean): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (passes(values[middle] ?? 0)) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** End of the last whole word in text[start, limit), trailing space trimmed; `limit` if the first word is longer. */
function wordCut(text: string, start: number, limit: number): number {
  if (limit >= text.length || /\s/.test(text.charAt(limit))) return trimEnd(text, start, limit);
  for (let position = limit - 1; position > start; position -= 1) {
    if (/\s/.test(text.charAt(position))) {
      const end = trimEnd(text, start, position);
      if (end > start) return end;
    }
  }
  return limit;
}

function trimEnd(text: string, start: number, end: number): number {
  while (end > start && /\s/.test(text.charAt(end - 1))) end -= 1;
  return end;
}

/** The first word start at or after `from` and before `end`; `end`'s next word if there is none. */
function wordStart(text: string, from: number, end: number): number {
  for (let position = from; position < end; position += 1) {
    const atWordStart = !/\s/.test(text.charAt(position)) && (position === 0 || /\s/.test(text.charAt(position - 1)));
    if (atWordStart) return position;
  }
  let position = end;
  while (position < text.length && /\s/.test(text.charAt(position))) position += 1;
  return position;
}
