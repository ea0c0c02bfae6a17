// Markdown view of one parsed paper, for `litreview fetch`: metadata, then every section with its
// heading path and paragraphs. The paper's own reference list is never mixed into the body.
import type { LoadedPaper } from "../types.js";
import { escapeInline, formatReference } from "./markdown.js";

export function renderDocumentMarkdown({ record, document }: LoadedPaper): string {
  const citation = formatReference({
    number: 1,
    paperId: record.id,
    ids: { ...record.ids },
    title: record.title,
    authors: record.authors,
    ...(record.year !== undefined ? { year: record.year } : {}),
    ...(record.journal ? { journal: record.journal } : {}),
    access: document.access,
  });
  const blocks = [`# ${escapeInline(record.title || "Untitled")}`, citation];
  if (document.accessReason) blocks.push(`*${escapeInline(document.accessReason)}*`);
  let previousPath: string[] = [];
  for (const section of document.sections) {
    // Print only the headings that change, each at the depth of its place in the path.
    const firstNew = section.path.findIndex((heading, depth) => previousPath[depth] !== heading);
    if (firstNew >= 0) {
      section.path.slice(firstNew).forEach((heading, offset) => {
        blocks.push(`${"#".repeat(Math.min(firstNew + offset + 2, 6))} ${escapeInline(heading)}`);
      });
    }
    previousPath = section.path;
    blocks.push(...section.paragraphs.map((paragraph) => escapeInline(paragraph)));
  }
  if (document.captions.length > 0) {
    blocks.push("## Figure and table captions", document.captions.map((caption) => `- ${escapeInline(caption)}`).join("\n"));
  }
  blocks.push(`*Reference list: ${document.references.length} entries, kept apart from the text (\`--format json\` lists them).*`);
  return `${blocks.join("\n\n")}\n`;
}
