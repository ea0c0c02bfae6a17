import { extractText } from "unpdf";
import { describe, expect, it } from "vitest";

import { RunError } from "../src/errors.js";
import { MAX_PDF_PAGES, parsePdf, PdfWithoutTextError } from "../src/fulltext/pdf.js";
import type { LoadedPaper } from "../src/types.js";
import { imageOnlyPdf, longPdf, pageMarker, passwordProtectedPdf, SAMPLE, samplePaperPdf, writtenPdf } from "./helpers/sample-pdf.js";

/** The sample's text as a reader should give it back: words broken at line ends mended, real hyphens kept. */
const mended = (text: string) => text.replace("mito-\nchondria", "mitochondria").replace("BCL-\n2", "BCL-2").replace("Cross-\nlinking", "Cross-linking");

const bodyText = (paper: LoadedPaper) =>
  paper.document.sections
    .filter((section) => section.path[0] !== "Abstract")
    .flatMap((section) => section.paragraphs)
    .join("\n");

describe("parsePdf on a generated two-page paper", () => {
  it("rebuilds the sections and their paragraphs in reading order", async () => {
    const bytes = await samplePaperPdf();
    const paper = await parsePdf(bytes, "papers/fission.pdf");

    expect(paper.document.access).toBe("fulltext");
    expect(paper.document.sections).toEqual([
      { path: ["Abstract"], paragraphs: [SAMPLE.abstract] },
      // What stands between the title and the first heading: the author line and the DOI.
      { path: [], paragraphs: [`Jane Q. Doe and Rick Roe, Department of Cell Biology, Example University https://doi.org/${SAMPLE.doi}`] },
      { path: ["Introduction"], paragraphs: SAMPLE.introduction.map(mended) },
      { path: ["Methods"], paragraphs: SAMPLE.methods },
      { path: ["Results"], paragraphs: SAMPLE.results.map(mended) },
      { path: ["Discussion"], paragraphs: SAMPLE.discussion },
    ]);
    expect(paper.document.captions).toEqual([SAMPLE.caption]);
  });

  it("keeps a paragraph that runs across the page break whole, without the running header or page number", async () => {
    const bytes = await samplePaperPdf();
    // The fixture really breaks the Methods paragraph across pages 1 and 2.
    const pages = (await extractText(new Uint8Array(bytes))).text;
    expect(pages).toHaveLength(2);
    expect(pages[0]).toContain("Cells of strain W1 ");
    expect(pages[1]).toContain("Cells of strain W22 ");
    expect(pages[1]).toContain(SAMPLE.runningHeader);

    const paper = await parsePdf(bytes, "papers/fission.pdf");
    const methods = paper.document.sections.find((section) => section.path[0] === "Methods");
    expect(methods?.paragraphs).toEqual(SAMPLE.methods);
    const everything = JSON.stringify(paper.document);
    expect(everything).not.toContain("Journal of Sample Research");
    for (const section of paper.document.sections) expect(section.paragraphs).not.toContainEqual(expect.stringMatching(/^\d+$/));
  });

  it("mends words broken at line ends but keeps real hyphens", async () => {
    const paper = await parsePdf(await samplePaperPdf(), "papers/fission.pdf");
    const body = bodyText(paper);
    expect(body).toContain("the mitochondria form a branched network");
    expect(body).not.toContain("mito-");
    // Before a digit or capital the hyphen is part of a name.
    expect(body).toContain("related to the BCL-2 family");
    // Spelled with a hyphen elsewhere in the paper, and never without: the hyphen is real.
    expect(body).toContain("Cross-linking controls");
  });

  it("puts the reference list in document.references, with labels and identifiers, and none of it in the body", async () => {
    const paper = await parsePdf(await samplePaperPdf(), "papers/fission.pdf");
    expect(paper.document.references).toEqual([
      { label: "1", text: SAMPLE.references[0]?.text, ids: { doi: "10.1234/jcs.2019.034" } },
      { label: "2", text: SAMPLE.references[1]?.text, ids: {} },
      { label: "3", text: SAMPLE.references[2]?.text, ids: { pmid: "33445566" } },
    ]);
    const body = bodyText(paper);
    expect(body).not.toContain("Dynamin-related proteins at a glance");
    expect(body).not.toContain("Glucose starvation reshapes");
    expect(paper.document.sections.map((section) => section.path[0])).not.toContain("References");
  });

  it("takes the record's metadata from the PDF: title, authors, the DOI on the first page, the abstract", async () => {
    const paper = await parsePdf(await samplePaperPdf(), "papers/fission.pdf");
    expect(paper.record).toMatchObject({
      id: `doi:${SAMPLE.doi}`,
      ids: { doi: SAMPLE.doi, local: "papers/fission.pdf" },
      title: SAMPLE.title,
      authors: [
        { family: "Doe", given: "Jane Q." },
        { family: "Roe", given: "Rick" },
      ],
      abstract: SAMPLE.abstract,
    });
  });

  it("falls back to the largest line on page 1 when the metadata title is missing, a placeholder or not printed in the paper", async () => {
    for (const metadataTitle of [null, "Microsoft Word - fission_final.docx", "Journal of Cell Dynamics template"]) {
      const paper = await parsePdf(await samplePaperPdf({ metadataTitle }), "papers/fission.pdf");
      expect(paper.record.title).toBe(SAMPLE.title);
      // The title block is not repeated as body text.
      expect(bodyText(paper)).not.toContain(SAMPLE.title);
    }
  });

  it("lets metadata the caller already has win over what the PDF suggests", async () => {
    const paper = await parsePdf(await samplePaperPdf(), "https://example.org/fission.pdf", {
      ids: { pmid: "31234567" },
      title: "Fission in yeast",
      authors: [{ family: "Doe", given: "J" }],
      year: 2024,
      journal: "Journal of Sample Research",
    });
    expect(paper.record).toMatchObject({
      id: "pmid:31234567",
      title: "Fission in yeast",
      authors: [{ family: "Doe", given: "J" }],
      year: 2024,
      journal: "Journal of Sample Research",
    });
    expect(paper.document.paperId).toBe("pmid:31234567");
  });

  it("keeps a paper whose headings after the abstract go unrecognised as full text, not as a long abstract", async () => {
    // Each paragraph runs over several lines, as real ones do.
    const paragraphs = ["We studied fission", "Fission was measured", "Rates fell without glucose", "The effect needs dynamin", "Energy sets the pace"].map(
      (start) => `${start} in ${Array.from({ length: 30 }, (_, index) => `case ${index + 1}`).join(", ")}.`,
    );
    const bytes = await writtenPdf((writer) => {
      writer.line(SAMPLE.title, { font: "bold", size: 18 });
      writer.section("Abstract", paragraphs.slice(0, 1));
      // Headings in the body font, with names no rule knows: read as one-line paragraphs.
      writer.paragraph("Setting the scene");
      for (const paragraph of paragraphs.slice(1, 3)) writer.paragraph(paragraph);
      writer.paragraph("What we saw");
      for (const paragraph of paragraphs.slice(3)) writer.paragraph(paragraph);
    });
    const paper = await parsePdf(bytes, "plain.pdf");
    expect(paper.record.abstract).toBe(paragraphs[0]);
    expect(paper.document.access).toBe("fulltext");
    // (On a single page the running header cannot be told from text: it stays, before the abstract.)
    expect(paper.document.sections[0]).toEqual({ path: ["Abstract"], paragraphs: paragraphs.slice(0, 1) });
    expect(paper.document.sections.at(-1)).toEqual({
      path: [],
      paragraphs: ["Setting the scene", ...paragraphs.slice(1, 3), "What we saw", ...paragraphs.slice(3)],
    });
  });

  it("leaves the caller's bytes intact (pdf.js takes over the buffer it is given)", async () => {
    const bytes = await samplePaperPdf();
    const copy = Uint8Array.from(bytes);
    const first = await parsePdf(bytes, "a.pdf");
    expect(bytes).toEqual(copy);
    expect((await parsePdf(bytes, "a.pdf")).document).toEqual(first.document);
  });
});

describe("parsePdf on files it cannot read", () => {
  const failure = async (bytes: Uint8Array, origin = "papers/bad.pdf") => {
    const error = await parsePdf(bytes, origin).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RunError);
    expect((error as Error).message).not.toContain("\n");
    return error as RunError;
  };

  it("says a file without a PDF header is not a readable PDF", async () => {
    const error = await failure(new TextEncoder().encode("<html><body>Sign in to read this article</body></html>"));
    expect(error.message).toBe("papers/bad.pdf is not a readable PDF: no PDF header");
  });

  it("says a truncated PDF is not a readable PDF", async () => {
    const bytes = await samplePaperPdf();
    const error = await failure(bytes.subarray(0, 600));
    expect(error.message).toMatch(/^papers\/bad\.pdf is not a readable PDF: \S/);
  });

  it("says a password-protected PDF is encrypted", async () => {
    const error = await failure(await passwordProtectedPdf());
    expect(error.message).toBe("papers/bad.pdf is not a readable PDF: it is encrypted (a password is needed)");
  });

  it("says a PDF of scanned pages has no extractable text", async () => {
    const error = await failure(await imageOnlyPdf(), "scans/page.pdf");
    expect(error).toBeInstanceOf(PdfWithoutTextError);
    expect(error.message).toBe("scans/page.pdf has no extractable text (scanned image?)");
  });

  it(`reads at most ${MAX_PDF_PAGES} pages of a longer document`, async () => {
    const paper = await parsePdf(await longPdf(MAX_PDF_PAGES + 3), "long.pdf");
    const text = JSON.stringify(paper.document.sections);
    expect(text).toContain(pageMarker(1));
    expect(text).toContain(pageMarker(MAX_PDF_PAGES));
    expect(text).not.toContain(pageMarker(MAX_PDF_PAGES + 1));
  });
});
