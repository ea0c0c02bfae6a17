// Markdown rendering of a Review. Pure: the same Review always renders the same text.
import { SOURCE_LABELS } from "../config.js";
import { normaliseWhitespace } from "../fulltext/paper.js";
import type { Review, ReviewReference } from "./schema.js";

export function renderMarkdown(review: Review): string {
  const referencesByNumber = new Map(review.references.map((reference) => [reference.number, reference]));
  const blocks = [
    `# ${escapeInline(normaliseWhitespace(review.question))}`,
    renderAnswer(review),
    renderFindings(review, referencesByNumber),
    renderAgreement(review),
    renderEvidenceTable(review, referencesByNumber),
    renderLimitations(review),
    renderMethods(review),
    renderVerification(review),
    renderReferences(review.references),
  ];
  return `${blocks.filter((block) => block.length > 0).join("\n\n")}\n`;
}

function renderAnswer(review: Review): string {
  const lines = ["## Answer", ""];
  if (review.mode === "llm") {
    const prefix = review.status === "insufficient" ? "**Insufficient evidence.** " : "";
    lines.push(`${prefix}${renderCitedText(review.answer)}`.trim());
    const confidence = review.confidence ?? "not assessed";
    lines.push("", `*Confidence: ${confidence}. Written by a language model from the evidence below; every claim was checked against the passages it cites (see Verification).*`);
    return lines.join("\n");
  }
  if (review.status === "insufficient") {
    lines.push(
      "**Insufficient evidence.** No passage in the searched sources answers this question well enough to quote as an answer.",
    );
    if (review.answerQuotes.length > 0) {
      lines.push("", "The closest passages found, which only touch on the question:", "");
      lines.push(...review.answerQuotes.map((quote) => `> "${escapeInline(quote.text)}" [${quote.citation}]`));
    }
  } else {
    lines.push(...review.answerQuotes.map((quote) => `> "${escapeInline(quote.text)}" [${quote.citation}]`));
  }
  lines.push(
    "",
    "*Confidence: not assessed. This is an extractive review: the passages are quoted verbatim from the sources and no language model weighed them; read them before drawing a conclusion.*",
  );
  return lines.join("\n");
}

/** Model-written text: everything escaped except the citation numbers the code put in. */
function renderCitedText(text: string): string {
  return text
    .split(/(\[\d+(?:, \d+)*\])/)
    .map((part, index) => (index % 2 === 1 ? part : `${/^\s/.test(part) ? " " : ""}${escapeInline(part)}${/\S\s+$/.test(part) ? " " : ""}`))
    .join("");
}

type ShownEvidence = Review["evidence"][number] & { citation: number };

function shownEvidence(review: Review): ShownEvidence[] {
  return review.evidence
    .filter((item): item is ShownEvidence => item.citation !== null)
    .sort((a, b) => a.citation - b.citation || b.relevance - a.relevance);
}

function renderFindings(review: Review, referencesByNumber: ReadonlyMap<number, ReviewReference>): string {
  if (review.mode === "llm") {
    return review.keyFindings.length === 0 ? "" : ["## Key findings", "", ...review.keyFindings.map((finding) => `- ${renderCitedText(finding)}`)].join("\n");
  }
  if (review.findings.length === 0) return "";
  const lines = ["## Key findings"];
  for (const [citation, quotes] of groupBy(review.findings, (quote) => quote.citation)) {
    const reference = referencesByNumber.get(citation);
    lines.push("", `**${escapeInline(shortCitation(reference))}** — ${escapeInline(referenceTitle(reference))}`, "");
    for (const quote of quotes) {
      const section = quote.sectionPath.length > 0 ? ` — *${escapeInline(quote.sectionPath.join(" › "))}*` : "";
      lines.push(`- "${escapeInline(quote.text)}" [${quote.citation}]${section}`);
    }
  }
  return lines.join("\n");
}

function renderAgreement(review: Review): string {
  const lines = ["## Where studies agree and disagree", ""];
  if (review.mode === "extractive") {
    lines.push("Not assessed: an extractive review quotes passages without comparing the studies (that needs a language model).");
    return lines.join("\n");
  }
  if (review.agreement.length === 0 && review.disagreement.length === 0) {
    lines.push("The evidence read shows no point of agreement or conflict between studies beyond the findings above.");
    return lines.join("\n");
  }
  if (review.agreement.length > 0) lines.push("**Agree**", "", ...review.agreement.map((item) => `- ${renderCitedText(item)}`));
  if (review.disagreement.length > 0) {
    if (review.agreement.length > 0) lines.push("");
    lines.push("**Disagree or conflict**", "", ...review.disagreement.map((item) => `- ${renderCitedText(item)}`));
  }
  return lines.join("\n");
}

/** Table cells are one line of at most this many characters. */
const FINDING_CELL_LENGTH = 220;

function renderEvidenceTable(review: Review, referencesByNumber: ReadonlyMap<number, ReviewReference>): string {
  const rows: { citation: number; finding: string }[] =
    review.mode === "llm"
      ? shownEvidence(review).map((item) => ({ citation: item.citation, finding: item.summary }))
      : [...groupBy(review.findings, (quote) => quote.citation)].map(([citation, quotes]) => ({ citation, finding: `"${quotes[0]?.text ?? ""}"` }));
  if (rows.length === 0) return "";
  const lines = ["## Evidence table", "", "| Ref | Study | Year | Finding | Read as |", "|---|---|---|---|---|"];
  for (const row of rows) {
    const reference = referencesByNumber.get(row.citation);
    lines.push(
      `| [${row.citation}] | ${escapeInline(shortCitation(reference))} | ${reference?.year ?? "n/a"} | ${escapeInline(truncate(row.finding, FINDING_CELL_LENGTH))} | ${accessLabel(reference?.access)} |`,
    );
  }
  return lines.join("\n");
}

function truncate(text: string, length: number): string {
  const flat = normaliseWhitespace(text);
  return flat.length <= length ? flat : `${flat.slice(0, length - 1).trimEnd()}…`;
}

function renderLimitations(review: Review): string {
  const abstractOnly = review.references.filter((reference) => reference.access !== "fulltext").length;
  const lines = ["## Gaps and limitations", ""];
  if (review.mode === "extractive") {
    lines.push(
      "- Extractive mode: sentences were selected by lexical relevance (BM25) to the question; agreement, disagreement and the strength of the evidence were not judged.",
    );
  }
  lines.push(...review.gaps.map((gap) => `- Missing: ${escapeInline(gap)}`));
  if (review.agent && review.agent.stopReason !== "the evidence was judged sufficient") {
    lines.push(`- The search stopped because ${escapeInline(review.agent.stopReason)}.`);
  }
  if (abstractOnly > 0) {
    lines.push(`- ${abstractOnly} of ${review.references.length} cited papers were read from the abstract only.`);
  }
  if (review.status === "insufficient") {
    lines.push("- The searched sources did not contain a passage that answers the question; widen the library or the search.");
  }
  if (lines.length === 2) lines.push("- None recorded: the evidence was judged sufficient. Only the sources listed under Methods were searched.");
  return lines.join("\n");
}

function renderMethods(review: Review): string {
  const { methods } = review;
  const counts = methods.counts;
  const lines = ["## Methods", ""];
  for (const source of methods.sources) {
    const skipped = source.filesSkipped > 0 ? `; ${source.filesSkipped} file(s) skipped as unreadable` : "";
    const outcome = source.error === undefined ? `${source.papers} paper(s)${skipped}` : `failed (${escapeInline(source.error)})`;
    lines.push(`- Searched ${source.source} \`${source.location}\`: ${outcome}.`);
  }
  for (const search of methods.searches) {
    const outcome = search.error === undefined ? `${search.hits.toLocaleString("en-US")} hit(s), ${search.returned} taken` : "failed";
    lines.push(`  - ${SOURCE_LABELS[search.source]} query \`${search.query.replaceAll("`", "'")}\`: ${outcome}.`);
  }
  lines.push(
    `- Flow (PRISMA-style): ${counts.found} record(s) found → ${counts.papers} distinct paper(s) screened in and read → full text sought for ${counts.fullTextSought} → read ${counts.fullText} in full text, ${counts.abstractOnly} from the abstract only, ${counts.unavailable} not accessible → ${counts.rankedChunks} top chunk(s) → ${review.mode === "llm" ? `${counts.evidence} evidence item(s) from ${counts.papersQuoted} paper(s)` : `${counts.papersQuoted} paper(s) quoted`} → ${counts.cited} cited.`,
    ...renderVerificationRound(review),
    `- Chunking: ${counts.chunks} chunk(s) of about ${methods.ranking.chunkSize} characters (overlap ${methods.ranking.chunkOverlap}) at sentence boundaries within sections.`,
    `- Ranking: ${methods.ranking.description}; ranked against ${methods.queries.map((query) => `"${escapeInline(normaliseWhitespace(query))}"`).join("; ")}; kept the top ${methods.ranking.topK} chunks with at most ${methods.ranking.perPaperCap} per paper (${counts.rankedChunks} kept).`,
    ...renderModelUse(review),
    `- litreview ${review.version}, ${review.generatedAt}.`,
  );
  return lines.join("\n");
}

function renderVerificationRound(review: Review): string[] {
  if (review.mode === "extractive") return [];
  const round = review.methods.verificationRound;
  if (!round) return [`- Chain-of-Verification: not run: ${escapeInline(review.methods.verificationSkipped ?? "no reason recorded")}.`];
  return [
    `- Chain-of-Verification: the draft's key statements became ${round.questions.length} verification question(s), searched with ${round.queriesSent} new quer${round.queriesSent === 1 ? "y" : "ies"}; the round read ${round.papersAdded} more paper(s), judged ${round.passagesJudged} passage(s) and added ${round.evidenceAdded} evidence item(s); the review was rebuilt on all the evidence.`,
  ];
}

function renderVerification(review: Review): string {
  const { claims } = review;
  const lines = ["## Verification", ""];
  if (claims.length === 0) {
    lines.push("No claim to check: the review makes no cited statement.");
    return lines.join("\n");
  }
  if (review.mode === "extractive") {
    const mean = claims.reduce((sum, claim) => sum + (claim.supportScore ?? 0), 0) / claims.length;
    lines.push(`All ${claims.length} claim(s) are sentences quoted verbatim from the passages they cite (mean lexical support ${mean.toFixed(2)}); none was rewritten.`);
    return lines.join("\n");
  }
  const count = (test: (claim: Review["claims"][number]) => boolean) => claims.filter(test).length;
  lines.push(
    `${claims.length} claim(s) checked against the passages they cite (${count((claim) => claim.method === "model")} by the language model, ${count((claim) => claim.method === "lexical")} by lexical support where the model could not judge, ${count((claim) => claim.method === "citation-check")} citing no evidence that exists): ${count((claim) => claim.verdict === "supported")} supported, ${count((claim) => claim.verdict === "partially")} partially supported, ${count((claim) => claim.verdict === "unsupported")} unsupported; ${count((claim) => claim.action === "rewritten")} rewritten, ${count((claim) => claim.action === "dropped")} dropped.`,
    "",
    "| # | Section | Claim | Verdict | Action | Deciding quote |",
    "|---|---|---|---|---|---|",
  );
  claims.forEach((claim, index) => {
    const shown = claim.action === "dropped" ? `~~${escapeInline(claim.draftText)}~~` : renderCitedText(claim.text);
    const was = claim.action === "rewritten" ? ` (draft: ${escapeInline(claim.draftText)})` : "";
    const quote = claim.decidingQuote ? `"${escapeInline(truncate(claim.decidingQuote.text, FINDING_CELL_LENGTH))}" [${claim.decidingQuote.citation}]` : "—";
    const verdict = claim.method === "lexical" ? `${claim.verdict} (lexical ${(claim.supportScore ?? 0).toFixed(2)})` : claim.verdict;
    lines.push(`| ${index + 1} | ${claim.section} | ${shown}${was} | ${verdict} | ${claim.action} | ${quote} |`);
  });
  return lines.join("\n");
}

function renderModelUse(review: Review): string[] {
  const { usage, agent } = review;
  if (!usage || !agent) return ["- Mode: extractive (no language model)."];
  const models = usage.fastModel === usage.model ? usage.model : `${usage.model} (fast: ${usage.fastModel})`;
  const cost = usage.costUsd === null ? "cost unknown (no price for this model)" : `cost $${usage.costUsd.toFixed(4)}`;
  const planned = agent.plannedByModel ? "planned by the model" : "from the question's own words (the model gave no plan)";
  return [
    `- Language model: ${escapeInline(models)} at \`${usage.baseUrl}\`; ${usage.calls} call(s) (${usage.cachedCalls} more from cache), ${usage.promptTokens + usage.completionTokens} tokens, ${cost}.`,
    `- Agent: ${agent.iterations} round(s), ${agent.plannedQueries} quer${agent.plannedQueries === 1 ? "y" : "ies"} ${planned}; ${agent.passagesJudged} passage(s) judged, ${agent.passagesDeclined} declined as irrelevant, ${agent.quotesRejected} quote(s) not found in their passage; stopped because ${escapeInline(agent.stopReason)}.`,
  ];
}

function renderReferences(references: ReviewReference[]): string {
  if (references.length === 0) return "## References\n\nNone: nothing was cited.";
  return ["## References", "", ...references.map((reference) => `${reference.number}. ${formatReference(reference)}`)].join("\n");
}

export function formatReference(reference: ReviewReference): string {
  const parts: string[] = [];
  const authors = formatAuthors(reference);
  if (authors) parts.push(`${escapeInline(authors)}${reference.year !== undefined ? ` (${reference.year}).` : "."}`);
  else if (reference.year !== undefined) parts.push(`(${reference.year}).`);
  parts.push(`${escapeInline(referenceTitle(reference)).replace(/\.$/, "")}.`);
  if (reference.journal) parts.push(`*${escapeInline(reference.journal)}*.`);
  parts.push(...identifierLinks(reference));
  parts.push(`${accessLabel(reference.access)}.`);
  return parts.join(" ");
}

function identifierLinks(reference: ReviewReference): string[] {
  const { doi, pmid, pmcid, arxiv, local } = reference.ids;
  const links: string[] = [];
  if (doi) links.push(`DOI: [${doi}](https://doi.org/${doi}).`);
  if (pmid) links.push(`PMID: [${pmid}](https://pubmed.ncbi.nlm.nih.gov/${pmid}/).`);
  if (pmcid) links.push(`PMCID: [${pmcid}](https://pmc.ncbi.nlm.nih.gov/articles/${pmcid}/).`);
  if (arxiv) links.push(`arXiv: [${arxiv}](https://arxiv.org/abs/${arxiv}).`);
  if (links.length === 0 && local) links.push(`File: \`${local}\`.`);
  return links;
}

function formatAuthors(reference: ReviewReference): string {
  const names = reference.authors.map((author) =>
    author.given ? `${author.family} ${initials(author.given)}` : author.family,
  );
  if (names.length > 6) return `${names.slice(0, 3).join(", ")}, et al`;
  return names.join(", ");
}

function initials(given: string): string {
  return given
    .split(/[\s.-]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]?.toUpperCase() ?? "")
    .join("");
}

function shortCitation(reference: ReviewReference | undefined): string {
  if (!reference) return "Unknown source";
  const first = reference.authors[0]?.family;
  const who = first ? (reference.authors.length > 1 ? `${first} et al.` : first) : primaryIdentifier(reference);
  return reference.year !== undefined ? `${who} (${reference.year})` : who;
}

function referenceTitle(reference: ReviewReference | undefined): string {
  if (!reference) return "Untitled";
  return reference.title.trim() || `Untitled (${primaryIdentifier(reference)})`;
}

function primaryIdentifier(reference: ReviewReference): string {
  const { pmid, doi, pmcid, arxiv, local } = reference.ids;
  if (pmid) return `PMID ${pmid}`;
  if (doi) return `DOI ${doi}`;
  if (pmcid) return pmcid;
  if (arxiv) return `arXiv ${arxiv}`;
  return local ?? reference.paperId;
}

function accessLabel(access: ReviewReference["access"] | undefined): string {
  if (access === "fulltext") return "Read in full text";
  if (access === "abstract-only") return "Read as abstract only";
  return "Not accessible";
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of [...items].sort((a, b) => keyOf(a) - keyOf(b))) {
    const group = groups.get(keyOf(item)) ?? [];
    group.push(item);
    groups.set(keyOf(item), group);
  }
  return groups;
}

/**
 * Quoted source text must not be read as Markdown, and bracketed numbers inside it ("[12]" from the
 * paper's own reference list) must not look like our citations.
 */
export function escapeInline(text: string): string {
  return normaliseWhitespace(text).replace(/[\\`*_[\]<>#|]/g, (character) => `\\${character}`);
}
