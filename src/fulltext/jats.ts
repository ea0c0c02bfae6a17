// JATS (1.x) and NLM (2.x) journal article XML → LoadedPaper.
// Reads what a reviewer needs: metadata, the abstract, the body by heading path, figure and
// table captions (kept apart from the text) and the reference list (kept apart from ranking).
import type { Author, CitedReference, LoadedPaper, Section } from "../types.js";
import { assemblePaper, cleanIds, fileTitle, parseYear, type RawIds } from "./paper.js";
import {
  attribute,
  childAt,
  childElements,
  descendants,
  firstChild,
  flattenText,
  parseXml,
  type XmlElement,
} from "./xml.js";

/** Parse one JATS/NLM article (or a `<pmc-articleset>` holding exactly one). Throws when it is not one. */
export function parseJats(xml: string, origin: string): LoadedPaper {
  const papers = parseJatsArticles(xml, origin);
  if (papers.length !== 1) {
    throw new Error(`expected one JATS article, found ${papers.length} in a <pmc-articleset>`);
  }
  return papers[0] as LoadedPaper;
}

/**
 * Every article of a JATS/NLM document: one for `<article>`, each member of a `<pmc-articleset>`
 * (E-utilities efetch output). Members of a set get `<origin>#<n>` as local id.
 */
export function parseJatsArticles(xml: string, origin: string): LoadedPaper[] {
  const root = parseXml(xml);
  if (root.name === "article") return [articleToPaper(root, origin)];
  if (root.name === "pmc-articleset") {
    const articles = childElements(root, "article");
    if (articles.length === 0) throw new Error("not a JATS article (<pmc-articleset> holds no <article>)");
    if (articles.length === 1) return [articleToPaper(articles[0] as XmlElement, origin)];
    return articles.map((article, index) => articleToPaper(article, `${origin}#${index + 1}`));
  }
  throw new Error(`not a JATS article (root element <${root.name}>)`);
}

function articleToPaper(article: XmlElement, origin: string): LoadedPaper {
  const front = firstChild(article, "front");
  const meta = firstChild(front, "article-meta");
  if (!front || !meta) throw new Error("not a JATS article (<article> has no <front>/<article-meta>)");
  const ids = cleanIds(articleIds(meta));
  return assemblePaper({
    localId: origin,
    ids,
    title: flattenText(childAt(meta, ["title-group", "article-title"])) || fileTitle(origin),
    authors: authors(meta),
    year: publicationYear(meta),
    journal: journalTitle(firstChild(front, "journal-meta")),
    openAccess: isOpenAccess(article, meta),
    abstractSections: abstractSections(meta),
    bodySections: bodySections(article),
    captions: captions(article),
    references: references(firstChild(article, "back")),
    noTextReason: "front matter only",
  });
}

function articleIds(meta: XmlElement): RawIds {
  const ids: RawIds = {};
  for (const element of childElements(meta, "article-id")) {
    const value = flattenText(element);
    switch (attribute(element, "pub-id-type")) {
      case "pmid":
        ids.pmid ??= value;
        break;
      // "pmc" in NLM 2.x and JATS 1.0 (digits only), "pmcid" later; "pmcaid"/"pmcid-ver" are other ids.
      case "pmc":
      case "pmcid":
        ids.pmcid ??= value;
        break;
      case "doi":
        ids.doi ??= value;
        break;
    }
  }
  return ids;
}

function authors(meta: XmlElement): Author[] {
  const found: Author[] = [];
  for (const group of childElements(meta, "contrib-group")) {
    for (const contrib of childElements(group, "contrib")) {
      const type = attribute(contrib, "contrib-type");
      if (type !== undefined && type !== "author") continue;
      const author = contributorName(contrib);
      if (author) found.push(author);
    }
  }
  return found;
}

function contributorName(contrib: XmlElement): Author | undefined {
  const name = firstChild(contrib, "name") ?? firstChild(firstChild(contrib, "name-alternatives"), "name", "string-name");
  const personal = name ?? firstChild(contrib, "string-name");
  if (personal) {
    const family = flattenText(firstChild(personal, "surname"));
    const given = flattenText(firstChild(personal, "given-names"));
    if (family) return given ? { family, given } : { family };
    const whole = flattenText(personal, { separateElements: true });
    if (whole) return { family: whole };
  }
  // A group author; its member list (a nested contrib-group) is not part of its name.
  const collab = flattenText(firstChild(contrib, "collab"), { skip: new Set(["contrib-group", "xref", "fn"]) });
  return collab ? { family: collab } : undefined;
}

/** Lower is better: the issue year a citation would use, then the online date, then anything. */
function pubDateRank(date: XmlElement): number {
  const type = attribute(date, "pub-type") ?? attribute(date, "date-type");
  const format = attribute(date, "publication-format");
  if (type === "pmc-release") return 5;
  if (type === "collection") return 3;
  if (type === "ppub" || type === "epub-ppub" || format === "print") return 1;
  if (type === "epub" || format === "electronic" || type === "pub") return 2;
  return 4;
}

function publicationYear(meta: XmlElement): number | undefined {
  const candidates = childElements(meta, "pub-date")
    .map((date) => ({ rank: pubDateRank(date), year: parseYear(flattenText(firstChild(date, "year"))) }))
    .filter((candidate): candidate is { rank: number; year: number } => candidate.year !== undefined);
  candidates.sort((a, b) => a.rank - b.rank);
  return candidates[0]?.year;
}

function journalTitle(journalMeta: XmlElement | undefined): string | undefined {
  const title =
    flattenText(childAt(journalMeta, ["journal-title-group", "journal-title"])) ||
    flattenText(firstChild(journalMeta, "journal-title")) ||
    flattenText(childAt(journalMeta, ["journal-title-group", "abbrev-journal-title"])) ||
    flattenText(firstChild(journalMeta, "abbrev-journal-title"));
  return title || undefined;
}

/** True when the article carries a license or PMC's open-access flag; unknown (undefined) otherwise. */
function isOpenAccess(article: XmlElement, meta: XmlElement): boolean | undefined {
  const flagged = childElements(article, "?properties").some((pi) => attribute(pi, "open_access") !== undefined);
  const licensed = childElements(firstChild(meta, "permissions") ?? meta, "license").length > 0;
  return flagged || licensed ? true : undefined;
}

// Abstracts that are not the paper's summary of itself.
const SECONDARY_ABSTRACT_TYPES = new Set(["graphical", "teaser", "toc", "highlights", "web-summary", "video"]);

function abstractSections(meta: XmlElement): Section[] {
  const abstracts = childElements(meta, "abstract");
  const main =
    abstracts.find((element) => attribute(element, "abstract-type") === undefined) ??
    abstracts.find((element) => !SECONDARY_ABSTRACT_TYPES.has(attribute(element, "abstract-type") ?? ""));
  return main ? sectionsOf(main, ["Abstract"]) : [];
}

function bodySections(article: XmlElement): Section[] {
  // Appendices and statements in <back> are the paper's text too; acknowledgements, notes and references are not.
  const back = firstChild(article, "back");
  const backText = back && { ...back, children: childElements(back, ...HEADED_ELEMENTS) };
  return [...sectionsOf(firstChild(article, "body"), []), ...sectionsOf(backText, [])];
}

// Elements that open a heading level.
const HEADED_ELEMENTS = ["sec", "app-group", "app"];

// Floating objects: their captions go to Document.captions, their content (images, table cells) nowhere.
const CAPTIONED_ELEMENTS = new Set(["fig", "fig-group", "table-wrap", "table-wrap-group", "supplementary-material"]);
// Content never read as running text.
const NON_TEXT_ELEMENTS = new Set([
  ...CAPTIONED_ELEMENTS, "table", "graphic", "inline-graphic", "media", "alt-text", "long-desc", "object-id",
]);
// Containers whose paragraphs are read in place, under the current heading.
const PARAGRAPH_CONTAINERS = new Set(["boxed-text", "disp-quote", "statement", "list", "list-item", "def-list", "def-item"]);
// Not body text: the reference list and notes live elsewhere in the Document or are left out.
const SKIPPED_IN_SECTIONS = new Set([...NON_TEXT_ELEMENTS, "ref-list", "fn-group", "ack", "glossary", "notes"]);

/**
 * Sections in reading order. Paragraphs directly under `container` belong to `path`; each `<sec>`
 * extends the path with its title. Paragraphs that follow a sub-section start a new Section with
 * the outer path, so reading order is kept.
 */
function sectionsOf(container: XmlElement | undefined, path: string[]): Section[] {
  const sections: Section[] = [];
  if (!container) return sections;
  let paragraphs: string[] = [];
  const flush = (): void => {
    if (paragraphs.length > 0) sections.push({ path, paragraphs });
    paragraphs = [];
  };
  const read = (node: XmlElement): void => {
    for (const child of node.children) {
      if (typeof child === "string") {
        const text = flattenText(child);
        if (text) paragraphs.push(text);
        continue;
      }
      if (HEADED_ELEMENTS.includes(child.name)) {
        flush();
        const heading = flattenText(firstChild(child, "title"), { skip: NON_TEXT_ELEMENTS }) || flattenText(firstChild(child, "label"));
        sections.push(...sectionsOf(child, heading ? [...path, heading] : path));
      } else if (PARAGRAPH_CONTAINERS.has(child.name)) {
        read(child);
      } else if (child.name !== "title" && child.name !== "label" && !SKIPPED_IN_SECTIONS.has(child.name) && !child.name.startsWith("?")) {
        const text = flattenText(child, { skip: NON_TEXT_ELEMENTS });
        if (text) paragraphs.push(text);
      }
    }
  };
  read(container);
  flush();
  return sections;
}

function captions(article: XmlElement): string[] {
  const found: string[] = [];
  for (const part of childElements(article, "body", "back", "floats-group")) {
    for (const element of captionedElements(part)) {
      const label = flattenText(firstChild(element, "label"));
      const caption = flattenText(firstChild(element, "caption"), { skip: NON_TEXT_ELEMENTS });
      if (!caption) continue;
      found.push(label ? `${label}${/[.:]$/.test(label) ? "" : "."} ${caption}` : caption);
    }
  }
  return found;
}

/** Captioned objects, including those nested in a group (a fig inside a fig-group has its own caption). */
function captionedElements(part: XmlElement): XmlElement[] {
  const found: XmlElement[] = [];
  for (const element of descendants(part, CAPTIONED_ELEMENTS, new Set(["sub-article", "response"]))) {
    found.push(element, ...captionedElements(element));
  }
  return found;
}

const CITATION_ELEMENTS = ["element-citation", "mixed-citation", "citation", "nlm-citation"];

function references(back: XmlElement | undefined): CitedReference[] {
  if (!back) return [];
  const found: CitedReference[] = [];
  for (const ref of descendants(back, new Set(["ref"]))) {
    const citation =
      firstChild(ref, ...CITATION_ELEMENTS) ?? firstChild(firstChild(ref, "citation-alternatives"), ...CITATION_ELEMENTS);
    const text = tidyCitation(
      flattenText(citation ?? ref, { separateElements: true, skip: new Set(["label", ...NON_TEXT_ELEMENTS]) }),
    );
    if (!text) continue;
    const label = flattenText(firstChild(ref, "label"));
    found.push({ ...(label && { label }), text, ids: cleanIds(citedIds(citation ?? ref)) });
  }
  return found;
}

function citedIds(citation: XmlElement): RawIds {
  const ids: RawIds = {};
  for (const element of descendants(citation, new Set(["pub-id", "ext-link"]))) {
    const type = attribute(element, "pub-id-type") ?? attribute(element, "ext-link-type");
    const value = flattenText(element);
    if (type === "doi") ids.doi ??= value;
    else if (type === "pmid") ids.pmid ??= value;
    else if (type === "pmcid" || type === "pmc") ids.pmcid ??= value;
  }
  return ids;
}

/** Spaces that separating citation parts put before punctuation ("Nature , 12 ." → "Nature, 12."). */
function tidyCitation(text: string): string {
  return text.replace(/\s+([,.;:)\]])/g, "$1").replace(/([([])\s+/g, "$1");
}
