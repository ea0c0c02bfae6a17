// PDF papers → LoadedPaper. pdf.js (unpdf's serverless build: no worker thread, no native code)
// gives each page's text as positioned items; lines, paragraphs, headings and the reference list
// are rebuilt from their positions and font sizes. Running headers, footers and page numbers are
// dropped, and everything after the reference-list heading stays out of the body.
import { getResolvedPDFJS } from "unpdf";

import { RunError, errorMessage } from "../errors.js";
import type { Author, CitedReference, LoadedPaper, PaperIds, PaperRecord, Section } from "../types.js";
import { assemblePaper, cleanIds, fileTitle, normaliseWhitespace, parseAuthorList } from "./paper.js";

/** Pages read from one PDF; the rest of a longer document (a thesis, a book) is left out. */
export const MAX_PDF_PAGES = 300;
/** Text read from one PDF (about 500 dense pages); reading stops at the page that passes it. */
export const MAX_PDF_TEXT_CHARS = 3_000_000;
/** Opening and reading one PDF; a pathological file stops here instead of holding up the run. */
const PDF_DEADLINE_MS = 60_000;

/** The file is a readable PDF, but holds no text to extract (scanned pages without OCR). */
export class PdfWithoutTextError extends RunError {}

/** Metadata the caller already knows (from a source's record); it wins over what the PDF suggests. */
export type PdfMetadata = Partial<Pick<PaperRecord, "ids" | "title" | "authors" | "year" | "journal" | "openAccess">>;

/** True when the bytes carry a PDF header (readers accept it within the first 1024 bytes). */
export function looksLikePdf(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024)).includes("%PDF-");
}

export async function parsePdf(bytes: Uint8Array, origin: string, record: PdfMetadata = {}): Promise<LoadedPaper> {
  if (!looksLikePdf(bytes)) throw new RunError(`${origin} is not a readable PDF: no PDF header`);
  const extracted = await extractText(bytes, origin);
  const pages = withoutRunningLines(extracted.pages);
  const lines = pages.flat();
  if (countLetters(lines) < MIN_LETTERS) throw new PdfWithoutTextError(`${origin} has no extractable text (scanned image?)`);

  const layout = measureLayout(lines, pages);
  const titleLines = titleBlock(pages[0] ?? [], layout.bodySize);
  const bodyLines = lines.filter((line) => !titleLines.includes(line));
  const parts = splitSections(bodyLines, layout);
  const ids: PaperIds = { ...doiOnFirstPage(extracted.pages[0] ?? [], extracted.info), ...record.ids };
  const title = record.title ?? chooseTitle(extracted.info.title, titleLines, pages[0] ?? []) ?? fileTitle(origin);

  return assemblePaper({
    localId: origin,
    ids,
    title,
    authors: record.authors ?? metadataAuthors(extracted.info.author),
    year: record.year,
    journal: record.journal,
    openAccess: record.openAccess,
    abstractSections: parts.abstract,
    bodySections: parts.body,
    captions: parts.captions,
    references: parts.references,
    noTextReason: "the PDF holds no body text",
  });
}

// ---------------------------------------------------------------------------------------------
// Reading the PDF

/** One line of text as laid out on the page (PDF coordinates: y grows upwards). */
interface TextLine {
  text: string;
  page: number;
  x: number;
  right: number;
  /** Baseline. */
  y: number;
  /** Font size of most of the line's characters. */
  size: number;
}

interface PdfInfo {
  title?: string | undefined;
  author?: string | undefined;
  subject?: string | undefined;
}

interface ExtractedText {
  pages: TextLine[][];
  info: PdfInfo;
}

/** A PDF with fewer letters than this (after running headers are gone) is taken to be scanned images. */
const MIN_LETTERS = 20;

/**
 * The part of the pdf.js API used here. unpdf ships pdf.js's own typings, but their extension-less
 * imports do not resolve under NodeNext, so the types arrive as `any`; this names what we rely on.
 */
interface PdfJs {
  getDocument(parameters: { data: Uint8Array; isEvalSupported: boolean; disableFontFace: boolean; verbosity: number }): {
    promise: Promise<PdfDocument>;
    destroy(): Promise<void>;
  };
}

interface PdfDocument {
  numPages: number;
  getPage(pageNumber: number): Promise<{ getTextContent(): Promise<{ items: (PdfTextItem | object)[] }> }>;
  getMetadata(): Promise<{ info: unknown }>;
}

async function extractText(bytes: Uint8Array, origin: string): Promise<ExtractedText> {
  const deadline = Date.now() + PDF_DEADLINE_MS;
  const pdfjs = (await getResolvedPDFJS()) as unknown as PdfJs;
  const task = pdfjs.getDocument({
    // pdf.js takes over (detaches) the buffer it is given; the caller's bytes stay intact.
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    // Errors only: pdf.js warnings about odd fonts would land on the user's stderr.
    verbosity: 0,
  });
  try {
    const document = await beforeDeadline(task.promise, deadline, "it took too long to open");
    const pages: TextLine[][] = [];
    let chars = 0;
    const pageCount = Math.min(document.numPages, MAX_PDF_PAGES);
    for (let pageNumber = 1; pageNumber <= pageCount && chars < MAX_PDF_TEXT_CHARS; pageNumber += 1) {
      // A page that cannot be read in the time left ends the reading; the pages before it are kept.
      const content = await beforeDeadline(
        document.getPage(pageNumber).then((page) => page.getTextContent()),
        deadline,
        "reading it took too long",
      ).catch((error: unknown) => (pages.length > 0 ? undefined : Promise.reject(error)));
      if (content === undefined) break;
      const lines = pageLines(content.items, pageNumber);
      chars += lines.reduce((sum, line) => sum + line.text.length, 0);
      pages.push(lines);
    }
    const metadata = await document.getMetadata().catch(() => undefined);
    return { pages, info: documentInfo(metadata?.info) };
  } catch (error) {
    throw new RunError(`${origin} is not a readable PDF: ${pdfErrorReason(error)}`);
  } finally {
    await task.destroy();
  }
}

function beforeDeadline<T>(promise: Promise<T>, deadline: number, reason: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(reason)), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** pdf.js names its exceptions; turn the common ones into words a user understands. */
function pdfErrorReason(error: unknown): string {
  const name = error instanceof Error ? error.name : "";
  if (name === "PasswordException") return "it is encrypted (a password is needed)";
  if (name === "InvalidPDFException") return "invalid or damaged PDF structure";
  const message = errorMessage(error).split("\n")[0] ?? "";
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

function documentInfo(raw: unknown): PdfInfo {
  const info = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  const text = (value: unknown) => (typeof value === "string" && value.trim() !== "" ? normaliseWhitespace(value) : undefined);
  return { title: text(info.Title), author: text(info.Author), subject: text(info.Subject) };
}

/** What is read of a pdf.js text item; marked-content markers, which carry no `str`, are skipped. */
interface PdfTextItem {
  str: string;
  /** [a, b, c, d, x, y]: scale and rotation, then the baseline origin. */
  transform: number[];
  width: number;
}

/**
 * Items joined into lines in content-stream order (the reading order of most PDFs, columns
 * included): an item on the same baseline continues the line, unless a wide gap separates two
 * columns. Rotated text (margin stamps, axis labels) is left out.
 */
function pageLines(items: readonly (PdfTextItem | object)[], page: number): TextLine[] {
  const lines: TextLine[] = [];
  let current: (TextLine & { sizes: Map<number, number> }) | undefined;
  const finish = () => {
    if (!current) return;
    const text = normaliseWhitespace(current.text);
    if (text !== "") lines.push({ text, page, x: current.x, right: current.right, y: current.y, size: dominantSize(current.sizes) });
    current = undefined;
  };
  for (const item of items) {
    if (!("str" in item) || item.str === "") continue;
    const [a = 0, b = 0, c = 0, d = 0, x = 0, y = 0] = item.transform;
    const size = Math.hypot(c, d);
    if (size < 1 || Math.abs(b) > 0.01 * Math.abs(a) || Math.abs(c) > 0.01 * Math.abs(d)) continue;
    const sameLine =
      current !== undefined &&
      Math.abs(y - current.y) <= 0.5 * Math.min(size, current.size) &&
      x > current.x &&
      x - current.right < 3 * Math.max(size, current.size);
    if (!sameLine || !current) {
      finish();
      current = { text: item.str, page, x, right: x + item.width, y, size, sizes: new Map() };
    } else {
      const gap = x - current.right;
      const touches = gap < 0.15 * size || /\s$/.test(current.text) || /^\s/.test(item.str);
      current.text += touches ? item.str : ` ${item.str}`;
      current.right = Math.max(current.right, x + item.width);
      // The line's baseline and size follow its body text, not a superscript that came first.
      if (size > current.size) Object.assign(current, { y, size });
    }
    const rounded = Math.round(size * 2) / 2;
    current.sizes.set(rounded, (current.sizes.get(rounded) ?? 0) + item.str.length);
  }
  finish();
  return lines;
}

/** The font size of most characters of these lines. */
function mostCommonSize(lines: TextLine[]): number {
  const charsBySize = new Map<number, number>();
  for (const line of lines) charsBySize.set(line.size, (charsBySize.get(line.size) ?? 0) + line.text.length);
  return dominantSize(charsBySize);
}

function dominantSize(sizes: Map<number, number>): number {
  let best = 0;
  let bestCount = -1;
  for (const [size, count] of sizes) {
    if (count > bestCount) [best, bestCount] = [size, count];
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Page furniture

const PAGE_NUMBER = /^(?:page\s*)?(?:[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:of|\/)\s*\d{1,4})?|[ivxlc]{1,6})$/i;
/** Lines at the top or bottom of a page that may be running headers, footers or page numbers. */
const EDGE_LINES = 2;

/**
 * Pages without running headers, footers and page numbers: lines at a page's top or bottom edge
 * that are just a number, or whose text (digits aside) recurs at the edge of many pages. A line in
 * a larger font than the body's is kept: that is the title on the first page, not its running copy.
 */
function withoutRunningLines(pages: TextLine[][]): TextLine[][] {
  const largestRunningSize = 1.15 * mostCommonSize(pages.flat());
  const edges = pages.map(edgeLines);
  const pagesByKey = new Map<string, Set<number>>();
  edges.forEach((lines, index) => {
    for (const line of lines) {
      const pagesWithKey = pagesByKey.get(furnitureKey(line)) ?? new Set<number>();
      pagesWithKey.add(index);
      pagesByKey.set(furnitureKey(line), pagesWithKey);
    }
  });
  // Odd and even pages often carry different headers, so "most pages" means 40% of them here.
  const threshold = Math.max(2, Math.ceil(0.4 * pages.length));
  return pages.map((lines, index) => {
    const edge = edges[index] ?? new Set<TextLine>();
    return lines.filter((line) => {
      if (!edge.has(line)) return true;
      if (PAGE_NUMBER.test(line.text)) return false;
      return line.size > largestRunningSize || (pagesByKey.get(furnitureKey(line))?.size ?? 0) < threshold;
    });
  });
}

function edgeLines(lines: TextLine[]): Set<TextLine> {
  const byHeight = [...lines].sort((first, second) => second.y - first.y);
  return new Set([...byHeight.slice(0, EDGE_LINES), ...byHeight.slice(-EDGE_LINES)]);
}

function furnitureKey(line: TextLine): string {
  return line.text.toLowerCase().replace(/\d+/g, "#");
}

// ---------------------------------------------------------------------------------------------
// Title, authors, identifiers

interface Layout {
  /** Font size of most of the text. */
  bodySize: number;
  /** Usual distance between the baselines of two lines of one paragraph. */
  lineSpacing: number;
  /** Usual width of a full line of body text, per page (a column's width in two-column layouts). */
  lineWidth: Map<number, number>;
}

function measureLayout(lines: TextLine[], pages: TextLine[][]): Layout {
  const bodySize = mostCommonSize(lines);
  const isBody = (line: TextLine) => Math.abs(line.size - bodySize) < 0.5;

  const spacings: number[] = [];
  for (let index = 1; index < lines.length; index += 1) {
    const [previous, line] = [lines[index - 1], lines[index]];
    if (!previous || !line || !isBody(previous) || !isBody(line) || previous.page !== line.page) continue;
    const gap = previous.y - line.y;
    if (gap > 0 && gap < 3 * bodySize) spacings.push(gap);
  }
  const lineWidth = new Map<number, number>();
  for (const pageLines of pages) {
    const widths = pageLines.filter(isBody).map((line) => line.right - line.x);
    const page = pageLines[0]?.page;
    // The widest lines are the full ones; the 80th percentile ignores a stray wide line.
    if (page !== undefined && widths.length > 0) lineWidth.set(page, percentile(widths, 0.8));
  }
  return { bodySize, lineSpacing: percentile(spacings, 0.5) || 1.2 * bodySize, lineWidth };
}

function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}

/** The lines in the largest font on the first page, when that font is clearly larger than the body's. */
function titleBlock(firstPage: TextLine[], bodySize: number): TextLine[] {
  const candidates = firstPage.filter((line) => countLetters([line]) >= 3);
  const largest = Math.max(0, ...candidates.map((line) => line.size));
  if (largest < 1.2 * bodySize) return [];
  const start = firstPage.findIndex((line) => candidates.includes(line) && line.size === largest);
  const block: TextLine[] = [];
  for (const line of firstPage.slice(start)) {
    if (Math.abs(line.size - largest) > 0.5) break;
    block.push(line);
  }
  return block;
}

/**
 * The metadata title when it is sensible: not a file name or a tool's placeholder, and printed on
 * the first page (tools often leave a journal's or template's name there). Else the title block.
 */
function chooseTitle(metadataTitle: string | undefined, titleLines: TextLine[], firstPage: TextLine[]): string | undefined {
  const layoutTitle = titleLines.length > 0 ? joinText(titleLines) : undefined;
  if (!metadataTitle || metadataTitle.length < 4 || !/\p{L}/u.test(metadataTitle)) return layoutTitle;
  if (/\.(?:pdf|docx?|tex|dvi|indd|qxd|rtf)$/i.test(metadataTitle) || /^(?:untitled|microsoft word\b|title$|document\d*$)/i.test(metadataTitle)) {
    return layoutTitle;
  }
  const comparable = (text: string) => text.toLowerCase().replace(/[^\p{L}\d]+/gu, "");
  return layoutTitle === undefined || comparable(joinText(firstPage)).includes(comparable(metadataTitle)) ? metadataTitle : layoutTitle;
}

const PLACEHOLDER_AUTHOR = /^(?:admin(?:istrator)?|user|owner|unknown|author|default)$/i;

function metadataAuthors(author: string | undefined): Author[] {
  if (!author || PLACEHOLDER_AUTHOR.test(author)) return [];
  return parseAuthorList(author.replace(/\s+(?:and|&)\s+/gi, "; "));
}

const DOI_MENTION = /\b(?:doi\s*:?\s*|https?:\/\/(?:dx\.)?doi\.org\/)(10\.\d{4,9}\/[^\s"<>]+)/i;

/** The paper's own DOI, when its first page or the PDF's subject names one ("doi:10.x/y", "https://doi.org/10.x/y"). */
function doiOnFirstPage(firstPage: TextLine[], info: PdfInfo): PaperIds {
  for (const text of [info.subject ?? "", ...firstPage.map((line) => line.text)]) {
    const doi = DOI_MENTION.exec(text)?.[1];
    if (doi) return cleanIds({ doi: trimDoi(doi) });
  }
  return {};
}

/** A DOI found in running text, without the sentence punctuation that follows it. */
function trimDoi(doi: string): string {
  let trimmed = doi.replace(/[.,;:]+$/, "");
  // A closing bracket belongs to the DOI only when the DOI opened one.
  while (/[)\]]$/.test(trimmed) && count(trimmed, "(") + count(trimmed, "[") < count(trimmed, ")") + count(trimmed, "]")) {
    trimmed = trimmed.slice(0, -1).replace(/[.,;:]+$/, "");
  }
  return trimmed;
}

function count(text: string, character: string): number {
  return text.split(character).length - 1;
}

function countLetters(lines: TextLine[]): number {
  let letters = 0;
  for (const line of lines) letters += (line.text.match(/\p{L}/gu) ?? []).length;
  return letters;
}

// ---------------------------------------------------------------------------------------------
// Sections, paragraphs, references

const REFERENCE_HEADING_NAMES = "references(?: and notes)?|bibliography|literature cited|works cited|cited literature";

const HEADING_NAMES = new RegExp(
  "^(?:(?:\\d{1,2}(?:\\.\\d{1,2})*|[IVX]{1,4})\\.?\\s+)?(" +
    [
      "abstract",
      "summary",
      "introduction",
      "background",
      "methods?",
      "materials? and methods",
      "methods and materials",
      "patients and methods",
      "experimental procedures",
      "results",
      "results and discussion",
      "discussion",
      "conclusions?",
      "concluding remarks",
      "acknowledge?ments?",
      "funding",
      "author contributions",
      "data availability(?: statement)?",
      "(?:competing interests?|conflicts? of interests?)",
      REFERENCE_HEADING_NAMES,
    ].join("|") +
    ")\\s*:?$",
  "i",
);

const REFERENCE_HEADING = new RegExp(`^(?:${REFERENCE_HEADING_NAMES})$`, "i");
const NUMBERING = /^(?:\d{1,2}(?:\.\d{1,2})*|[IVX]{1,4})\.?\s+/;
/** "Abstract" run into the first line of its text ("Abstract: We…", "Abstract—We…"). */
const RUN_IN_ABSTRACT = /^abstract\s*[.:—–-]?\s+(?=\S)/i;
const CAPTION = /^(?:fig(?:ure)?\.?|table)\s+S?\d{1,3}[A-Za-z]?\s*[.:|]/i;
const MAX_HEADING_WORDS = 12;
/** More paragraphs than this under "Abstract" means the paper's text ran on under it. */
const MAX_ABSTRACT_PARAGRAPHS = 3;

interface SectionParts {
  abstract: Section[];
  body: Section[];
  captions: string[];
  references: CitedReference[];
}

function splitSections(lines: TextLine[], layout: Layout): SectionParts {
  const parts: SectionParts = { abstract: [], body: [], captions: [], references: [] };
  const groups: { heading?: string; lines: TextLine[] }[] = [{ lines: [] }];
  let referenceLines: TextLine[] | undefined;

  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] as TextLine;
    if (referenceLines) {
      referenceLines.push(line);
      continue;
    }
    const runInAbstract = groups.length === 1 && line.page === 1 ? RUN_IN_ABSTRACT.exec(line.text) : null;
    if (runInAbstract) {
      groups.push({ heading: "Abstract", lines: [{ ...line, text: line.text.slice(runInAbstract[0].length) }] });
      continue;
    }
    if (!isHeading(line, layout)) {
      groups[groups.length - 1]?.lines.push(line);
      continue;
    }
    // A heading in a large font may wrap onto a second line of the same size.
    let heading = line.text;
    while (isLargeHeading(lines[index + 1], layout) && lines[index + 1]?.size === line.size && !HEADING_NAMES.test(heading)) {
      index += 1;
      heading = `${heading} ${lines[index]?.text ?? ""}`;
    }
    const name = heading.replace(NUMBERING, "").replace(/\s*:$/, "");
    if (REFERENCE_HEADING.test(name)) referenceLines = [];
    else groups.push({ heading: name, lines: [] });
  }

  const words = documentWords(lines);
  for (const group of groups) {
    const paragraphs: string[] = [];
    for (const paragraph of paragraphsOf(group.lines, layout, words)) {
      (CAPTION.test(paragraph) ? parts.captions : paragraphs).push(paragraph);
    }
    if (group.heading && /^abstract$/i.test(group.heading)) {
      // When the heading after the abstract went unrecognised, the paper's text runs on under
      // "Abstract"; only its first paragraph is the abstract then, and the rest is body text.
      const abstractParagraphs = paragraphs.length > MAX_ABSTRACT_PARAGRAPHS ? paragraphs.slice(0, 1) : paragraphs;
      parts.abstract.push({ path: [group.heading], paragraphs: abstractParagraphs });
      if (abstractParagraphs !== paragraphs) parts.body.push({ path: [], paragraphs: paragraphs.slice(1) });
    } else {
      parts.body.push({ path: group.heading ? [group.heading] : [], paragraphs });
    }
  }
  parts.references = referencesOf(referenceLines ?? [], layout, words);
  return parts;
}

/** A short line standing for a heading: a common section name, or text clearly larger than the body's. */
function isHeading(line: TextLine, layout: Layout): boolean {
  return HEADING_NAMES.test(line.text) || isLargeHeading(line, layout);
}

function isLargeHeading(line: TextLine | undefined, layout: Layout): boolean {
  if (!line || line.size < 1.15 * layout.bodySize || line.size - layout.bodySize < 1) return false;
  const words = line.text.split(" ").length;
  return words <= MAX_HEADING_WORDS && countLetters([line]) >= 3 && /^[\p{L}\d]/u.test(line.text) && !/[,;]$/.test(line.text);
}

/** Lower-cased words of the whole document, to tell "mito-chondria" (broken) from "cross-linking" (a real hyphen). */
function documentWords(lines: TextLine[]): Set<string> {
  const words = new Set<string>();
  for (const line of lines) {
    for (const word of line.text.toLowerCase().match(/[\p{L}\d]+(?:-[\p{L}\d]+)*/gu) ?? []) words.add(word);
  }
  return words;
}

/**
 * Lines into paragraphs. A paragraph ends where the gap to the next line is larger than the usual
 * line spacing, where the next line is indented, or where a short line ends a sentence. A new page
 * or column alone does not end one: paragraphs run across page breaks.
 */
function paragraphsOf(lines: TextLine[], layout: Layout, words: Set<string>): string[] {
  const paragraphs: string[] = [];
  let current: TextLine[] = [];
  for (const line of lines) {
    const previous = current[current.length - 1];
    if (previous && startsParagraph(previous, line, layout)) {
      paragraphs.push(joinLines(current, words));
      current = [];
    }
    current.push(line);
  }
  if (current.length > 0) paragraphs.push(joinLines(current, words));
  return paragraphs.filter((paragraph) => paragraph !== "");
}

function startsParagraph(previous: TextLine, line: TextLine, layout: Layout): boolean {
  const sameColumn = line.page === previous.page && line.y < previous.y;
  if (sameColumn && previous.y - line.y > 1.4 * layout.lineSpacing) return true;
  const em = layout.bodySize;
  if (sameColumn && line.x - previous.x > 0.6 * em && line.x - previous.x < 8 * em) return true;
  return endsShort(previous, layout) && /[.!?:]["”’)]?$/.test(previous.text);
}

/** A line that stops well before the usual line end: the last line of a paragraph. */
function endsShort(line: TextLine, layout: Layout): boolean {
  const width = layout.lineWidth.get(line.page) ?? 0;
  return width > 0 && line.right - line.x < 0.85 * width;
}

/** Lines joined into one text; words broken across lines are mended. */
function joinLines(lines: TextLine[], words: Set<string>): string {
  let text = "";
  for (const line of lines) {
    const hyphen = /(\p{L})[-\u00AD]$/u.exec(text);
    if (text === "") text = line.text;
    else if (text.endsWith("\u00AD")) text = text.slice(0, -1) + line.text;
    else if (hyphen && /^\p{Ll}/u.test(line.text)) text = mendHyphen(text, line.text, words);
    // "BCL-" + "2", "Wnt-" + "Frizzled": a hyphen before a capital or digit is part of the name.
    else if (hyphen && /^[\p{Lu}\d]/u.test(line.text)) text += line.text;
    else text += ` ${line.text}`;
  }
  return normaliseWhitespace(text);
}

/**
 * "mito-" + "chondria" → "mitochondria"; but "cross-" + "linking" stays "cross-linking" when the
 * document spells it with a hyphen elsewhere and never without.
 */
function mendHyphen(text: string, next: string, words: Set<string>): string {
  const before = /([\p{L}\d]+)-$/u.exec(text)?.[1]?.toLowerCase() ?? "";
  const after = /^[\p{L}\d]+/u.exec(next)?.[0]?.toLowerCase() ?? "";
  const keepHyphen = words.has(`${before}-${after}`) && !words.has(`${before}${after}`);
  return keepHyphen ? text + next : text.slice(0, -1) + next;
}

function joinText(lines: TextLine[]): string {
  return normaliseWhitespace(lines.map((line) => line.text).join(" "));
}

// "3." and "(3)" take at most three digits, so a wrapped line starting with a year ("2019. …") is no label.
const REFERENCE_LABEL = /^(?:\[(\d{1,4})\]|(\d{1,3})\.(?=\s)|\((\d{1,3})\))\s*/;
const PMID_MENTION = /\bPMID:?\s*(\d{1,9})\b/i;

/**
 * The reference list as entries. Numbered lists ("[3]", "3.") start an entry at each number;
 * other lists at a gap, at a line back at the margin (hanging indents), or after a short line.
 */
function referencesOf(lines: TextLine[], layout: Layout, words: Set<string>): CitedReference[] {
  const labelled = lines.filter((line) => REFERENCE_LABEL.test(line.text)).length >= 2;
  const entries: TextLine[][] = [];
  for (const line of lines) {
    const previous = entries[entries.length - 1]?.at(-1);
    const starts = labelled
      ? REFERENCE_LABEL.test(line.text)
      : !previous ||
        (line.page === previous.page && line.y < previous.y && previous.y - line.y > 1.4 * layout.lineSpacing) ||
        (line.page === previous.page && line.x < previous.x - 0.5 * layout.bodySize) ||
        (endsShort(previous, layout) && /\.$/.test(previous.text));
    if (starts || entries.length === 0) entries.push([line]);
    else entries[entries.length - 1]?.push(line);
  }
  return entries.map((entry) => {
    const joined = joinLines(entry, words);
    const label = REFERENCE_LABEL.exec(joined);
    const text = label ? joined.slice(label[0].length) : joined;
    const doi = DOI_MENTION.exec(text)?.[1] ?? /\b10\.\d{4,9}\/[^\s"<>]+/.exec(text)?.[0];
    const ids = cleanIds({ doi: doi ? trimDoi(doi) : undefined, pmid: PMID_MENTION.exec(text)?.[1] });
    const number = label?.[1] ?? label?.[2] ?? label?.[3];
    return number ? { label: number, text, ids } : { text, ids };
  });
}

