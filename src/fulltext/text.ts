// Markdown and plain-text papers → LoadedPaper. Both are read as full text; Markdown headings
// give the section paths and an optional front-matter block gives the metadata.
import { z } from "zod";

import type { Author, LoadedPaper, Section } from "../types.js";
import { assemblePaper, cleanIds, fileTitle, normaliseWhitespace, parseAuthorList, parseYear } from "./paper.js";

/** Longest first line of a `.txt` file that is still taken as its title. */
const MAX_TITLE_LENGTH = 200;

const NO_TEXT_REASON = "the file holds no text";

export function parseMarkdown(markdown: string, origin: string): LoadedPaper {
  const { metadata, body } = splitFrontMatter(toLines(markdown));
  const { sections, firstHeading } = markdownSections(body, metadata.title);
  const title = metadata.title || firstHeading || fileTitle(origin);
  return assemblePaper({
    localId: origin,
    ids: cleanIds(metadata),
    title,
    authors: metadata.authors,
    year: metadata.year,
    journal: metadata.journal,
    abstractSections: [],
    bodySections: sections,
    noTextReason: NO_TEXT_REASON,
  });
}

export function parsePlainText(text: string, origin: string): LoadedPaper {
  const blocks = paragraphBlocks(toLines(text));
  const first = blocks[0];
  // A short first line standing alone is a title; the first line of a hard-wrapped paragraph is not.
  const hasTitleLine = first !== undefined && first.length === 1 && (first[0] ?? "").trim().length <= MAX_TITLE_LENGTH;
  const title = hasTitleLine ? normaliseWhitespace(first[0] ?? "") : fileTitle(origin);
  const paragraphs = (hasTitleLine ? blocks.slice(1) : blocks).map((block) => normaliseWhitespace(block.join(" ")));
  return assemblePaper({
    localId: origin,
    ids: {},
    title,
    authors: [],
    abstractSections: [],
    bodySections: [{ path: [], paragraphs }],
    noTextReason: NO_TEXT_REASON,
  });
}

function toLines(text: string): string[] {
  return text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
}

/** Runs of non-blank lines. */
function paragraphBlocks(lines: string[]): string[][] {
  const blocks: string[][] = [];
  let current: string[] = [];
  for (const line of lines) {
    if (line.trim() === "") {
      if (current.length > 0) blocks.push(current);
      current = [];
    } else {
      current.push(line);
    }
  }
  if (current.length > 0) blocks.push(current);
  return blocks;
}

const optionalText = z
  .union([z.string(), z.number()])
  .transform((value) => normaliseWhitespace(String(value)))
  .optional()
  .catch(undefined);

// The front-matter keys we read; anything else in the block is ignored, and a value of the
// wrong shape is dropped rather than failing the whole paper.
const frontMatterSchema = z.object({
  title: optionalText,
  authors: z.union([z.string(), z.array(z.string())]).optional().catch(undefined),
  author: z.union([z.string(), z.array(z.string())]).optional().catch(undefined),
  year: z.unknown().transform(parseYear).optional(),
  date: z.unknown().transform(parseYear).optional(),
  doi: optionalText,
  pmid: optionalText,
  pmcid: optionalText,
  journal: optionalText,
});

interface FrontMatter {
  title?: string | undefined;
  authors: Author[];
  year?: number | undefined;
  doi?: string | undefined;
  pmid?: string | undefined;
  pmcid?: string | undefined;
  journal?: string | undefined;
}

/**
 * A leading `---` … `---` block of `key: value` lines, where a value may be a `[a, b]` list or
 * continue as `- item` lines. This is the small subset of YAML that paper notes use.
 */
function splitFrontMatter(lines: string[]): { metadata: FrontMatter; body: string[] } {
  const noFrontMatter = { metadata: { authors: [] }, body: lines };
  if (lines[0]?.trim() !== "---") return noFrontMatter;
  const end = lines.findIndex((line, index) => index > 0 && /^(?:---|\.\.\.)\s*$/.test(line));
  if (end < 0) return noFrontMatter;

  // No prototype, so a `__proto__:` key is just an unknown key.
  const raw = Object.create(null) as Record<string, string | string[]>;
  let listKey: string | undefined;
  for (const line of lines.slice(1, end)) {
    const item = /^\s*-\s+(.*)$/.exec(line);
    if (item && listKey !== undefined) {
      const list = raw[listKey];
      raw[listKey] = [...(Array.isArray(list) ? list : []), unquote(item[1] ?? "")];
      continue;
    }
    const entry = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!entry) continue;
    const key = (entry[1] ?? "").toLowerCase();
    const value = (entry[2] ?? "").trim();
    listKey = value === "" ? key : undefined;
    const inlineList = /^\[(.*)\]$/.exec(value);
    raw[key] = inlineList ? (inlineList[1] ?? "").split(",").map(unquote).filter(Boolean) : unquote(value);
  }

  const parsed = frontMatterSchema.parse(raw);
  return {
    metadata: {
      title: parsed.title || undefined,
      authors: parseAuthorList(parsed.authors ?? parsed.author),
      year: parsed.year ?? parsed.date,
      doi: parsed.doi,
      pmid: parsed.pmid,
      pmcid: parsed.pmcid,
      journal: parsed.journal || undefined,
    },
    body: lines.slice(end + 1),
  };
}

function unquote(value: string): string {
  const trimmed = value.trim();
  return /^(["']).*\1$/.test(trimmed) ? trimmed.slice(1, -1) : trimmed;
}

const HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const FENCE = /^ {0,3}(```|~~~)/;

/**
 * Sections from ATX headings, and the first `# ` heading (the title when front matter names none).
 * A `# ` heading that opens the document and names the paper does not become part of every path.
 */
function markdownSections(lines: string[], frontMatterTitle: string | undefined): { sections: Section[]; firstHeading?: string } {
  const sections: Section[] = [];
  const headings: { level: number; text: string }[] = [];
  let firstHeading: string | undefined;
  let paragraphs: string[] = [];
  let block: string[] = [];
  let fence: string | undefined;

  const endBlock = (): void => {
    const text = normaliseWhitespace(stripInlineMarkdown(block.join(" ")));
    if (text) paragraphs.push(text);
    block = [];
  };
  const endSection = (): void => {
    endBlock();
    if (paragraphs.length > 0) sections.push({ path: headings.map((heading) => heading.text), paragraphs });
    paragraphs = [];
  };

  for (const line of lines) {
    const fenceMatch = FENCE.exec(line);
    if (fence !== undefined) {
      if (fenceMatch?.[1] === fence) {
        fence = undefined;
        endBlock();
      } else {
        block.push(line);
      }
      continue;
    }
    if (fenceMatch) {
      endBlock();
      fence = fenceMatch[1];
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      endSection();
      const level = (heading[1] ?? "#").length;
      const text = normaliseWhitespace(stripInlineMarkdown(heading[2] ?? ""));
      const opensDocument = headings.length === 0 && sections.length === 0 && firstHeading === undefined;
      if (level === 1) firstHeading ??= text;
      if (level === 1 && opensDocument && (!frontMatterTitle || text === frontMatterTitle)) continue;
      while ((headings[headings.length - 1]?.level ?? 0) >= level) headings.pop();
      headings.push({ level, text });
    } else if (line.trim() === "") {
      endBlock();
    } else {
      block.push(line.replace(/^\s*>\s?/, "").replace(/^\s*(?:[-*+]|\d+[.)])\s+/, ""));
    }
  }
  endSection();
  return firstHeading === undefined ? { sections } : { sections, firstHeading };
}

/** Light removal of inline Markdown: links and images keep their text, emphasis and code marks go. */
function stripInlineMarkdown(text: string): string {
  return text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/!?\[([^\]]*)\]\[[^\]]*\]/g, "$1")
    .replace(/<(https?:\/\/[^>\s]+)>/g, "$1")
    .replace(/`([^`]+)`/g, "$1")
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, "$2")
    .replace(/(^|[\s(])([*_])(?=\S)([^*_]*?\S)\2(?=[\s).,;:!?]|$)/g, "$1$3");
}
