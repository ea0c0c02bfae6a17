// Small PDFs made at test time with pdf-lib (a PDF writer), so no binary fixture needs explaining.
// The sample paper has what PDF reading must cope with: a title in a large font, headings, body
// paragraphs running across a page break, words hyphenated at line ends, a running header and
// page numbers on every page, a figure caption, and a reference list.
import { PDFDocument, PDFHexString, type PDFFont, type PDFPage, rgb, StandardFonts } from "pdf-lib";

const PAGE = { width: 612, height: 700, margin: 72 };
const BODY_SIZE = 10;
const LINE_SPACING = 12;
const PARAGRAPH_GAP = 20;

export const SAMPLE = {
  title: "Mitochondrial fission in budding yeast",
  metadataAuthor: "Jane Q. Doe; Rick Roe",
  doi: "10.5555/sample.2024.101",
  runningHeader: "Journal of Sample Research 12 (2024) 101-102",
  abstract:
    "Mitochondria divide and fuse all the time. We followed fission in living yeast cells and found that " +
    "it slows down when cells run short of glucose.",
  /** "mito-" ends a line here and "chondria" starts the next; "BCL-" ends one before "2 family". */
  introduction: [
    "Budding yeast is a convenient model for organelle dynamics. Inside every cell the mito-\n" +
      "chondria form a branched network whose shape changes within minutes, and proteins related to the BCL-\n" +
      "2 family are thought to tune how often the network breaks apart.",
    "Earlier work measured fission in fixed cells only. Here we measure it in living cells over several hours.",
  ],
  /** The first Methods paragraph is long enough to run from page 1 onto page 2. */
  methods: [
    Array.from(
      { length: 22 },
      (_, index) =>
        `Cells of strain W${index + 1} were grown in rich medium at thirty degrees, imaged every two minutes on a spinning disk microscope, and tracked with custom software.`,
    ).join(" "),
  ],
  /** "cross-linking" appears mid-line first, then hyphenated at a line end: the hyphen is real. */
  results: [
    "Chemical cross-linking did not change the rates we report. Fission slowed by half after glucose ran out, and the slowdown needed the dynamin-like protein. Cross-\n" +
      "linking controls gave the same answer in every strain we tested.",
  ],
  caption: "Figure 1. Fission events per cell per hour in glucose and after glucose ran out.",
  discussion: ["Fission responds to the energy state of the cell. How the signal reaches the fission machinery remains open."],
  references: [
    {
      label: "1",
      text: "Doe J, Roe R. Fission and fusion of mitochondria in yeast. J Cell Sci. 2019;12:34-56. doi:10.1234/jcs.2019.034",
    },
    { label: "2", text: "Smith A. Dynamin-related proteins at a glance. Cell Biol Rev. 2020;8:1-9." },
    {
      label: "3",
      text: "Miller K, Chen L, Patel S. Glucose starvation reshapes the mitochondrial network of budding yeast cells over hours. Yeast. 2021;38:200-215. PMID: 33445566",
    },
  ],
};

export interface SamplePdfOptions {
  /** Set the PDF's Title metadata (default: the title); `null` leaves it out. */
  metadataTitle?: string | null;
}

/** The sample paper described by SAMPLE: two pages. */
export async function samplePaperPdf(options: SamplePdfOptions = {}): Promise<Uint8Array> {
  const metadataTitle = options.metadataTitle === undefined ? SAMPLE.title : options.metadataTitle;
  return writtenPdf((writer) => {
    writer.line(SAMPLE.title, { font: "bold", size: 18 });
    writer.gap(10);
    writer.line("Jane Q. Doe and Rick Roe, Department of Cell Biology, Example University");
    writer.line(`https://doi.org/${SAMPLE.doi}`);
    writer.section("Abstract", [SAMPLE.abstract]);
    writer.section("1. Introduction", SAMPLE.introduction);
    writer.section("2. Methods", SAMPLE.methods);
    writer.section("3. Results", SAMPLE.results);
    writer.paragraph(SAMPLE.caption);
    writer.section("4. Discussion", SAMPLE.discussion);
    writer.heading("References");
    for (const reference of SAMPLE.references) writer.paragraph(`[${reference.label}] ${reference.text}`, { gap: 4 });
  }, metadataTitle === null ? {} : { title: metadataTitle });
}

/** A PDF laid out by `write`, with the running header and page numbers on every page. */
export async function writtenPdf(write: (writer: Writer) => void, metadata: { title?: string } = {}): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  if (metadata.title !== undefined) pdf.setTitle(metadata.title);
  pdf.setAuthor(SAMPLE.metadataAuthor);
  write(
    new Writer(pdf, {
      body: await pdf.embedFont(StandardFonts.TimesRoman),
      bold: await pdf.embedFont(StandardFonts.HelveticaBold),
      furniture: await pdf.embedFont(StandardFonts.Helvetica),
    }),
  );
  return pdf.save();
}

/** A page with a drawn shape and no text, as a scanned page without OCR looks to a text extractor. */
export async function imageOnlyPdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const page = pdf.addPage([PAGE.width, PAGE.height]);
  page.drawRectangle({ x: 100, y: 300, width: 400, height: 300, color: rgb(0.4, 0.4, 0.4) });
  return pdf.save();
}

/**
 * A PDF that asks for a password: a Standard security handler whose user-password check fails
 * for the empty password. Nothing in it is really encrypted, but a reader must refuse it all the same.
 */
export async function passwordProtectedPdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.TimesRoman);
  pdf.addPage([PAGE.width, PAGE.height]).drawText("Secret text.", { x: 72, y: 700, size: BODY_SIZE, font });
  pdf.context.trailerInfo.Encrypt = pdf.context.obj({
    Filter: "Standard",
    V: 1,
    R: 2,
    O: PDFHexString.of("0f".repeat(32)),
    U: PDFHexString.of("e1".repeat(32)),
    P: -44,
  });
  const id = PDFHexString.of("ab".repeat(16));
  pdf.context.trailerInfo.ID = pdf.context.obj([id, id]);
  return pdf.save({ useObjectStreams: false });
}

/** Letters standing for a number, so page markers differ in more than digits (which running-header detection ignores). */
export function pageMarker(pageNumber: number): string {
  return `pg${[...String(pageNumber)].map((digit) => "abcdefghij"[Number(digit)]).join("")}`;
}

/** `pages` pages, each with one sentence naming its page with pageMarker(). */
export async function longPdf(pages: number): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.TimesRoman);
  for (let pageNumber = 1; pageNumber <= pages; pageNumber += 1) {
    pdf.addPage([PAGE.width, PAGE.height]).drawText(`This sentence stands on page ${pageMarker(pageNumber)} of a long report.`, {
      x: 72,
      y: 700,
      size: BODY_SIZE,
      font,
    });
  }
  return pdf.save();
}

type FontRole = "body" | "bold" | "furniture";

/** Lays text out top to bottom, wrapping words, adding pages with their running header and page number. */
export class Writer {
  private page!: PDFPage;
  private y = 0;
  private pageCount = 0;

  constructor(
    private readonly pdf: PDFDocument,
    private readonly fonts: Record<FontRole, PDFFont>,
  ) {
    this.newPage();
  }

  section(heading: string, paragraphs: string[]): void {
    this.heading(heading);
    for (const paragraph of paragraphs) this.paragraph(paragraph);
  }

  heading(text: string): void {
    this.gap(PARAGRAPH_GAP);
    this.line(text, { font: "bold", size: 12 });
    this.gap(4);
  }

  /** Words wrapped to the text width; a `\n` forces a line break there (to place a hyphen at a line end). */
  paragraph(text: string, options: { gap?: number } = {}): void {
    this.gap(options.gap ?? PARAGRAPH_GAP - LINE_SPACING);
    for (const segment of text.split("\n")) {
      for (const line of this.wrap(segment)) this.line(line);
    }
  }

  gap(points: number): void {
    this.y -= points;
  }

  line(text: string, options: { font?: FontRole; size?: number } = {}): void {
    const size = options.size ?? BODY_SIZE;
    if (this.y - size < PAGE.margin) this.newPage();
    this.y -= size + (LINE_SPACING - BODY_SIZE);
    this.page.drawText(text, { x: PAGE.margin, y: this.y, size, font: this.fonts[options.font ?? "body"] });
  }

  private wrap(text: string): string[] {
    const width = PAGE.width - 2 * PAGE.margin;
    const lines: string[] = [];
    let current = "";
    for (const word of text.split(" ")) {
      const candidate = current === "" ? word : `${current} ${word}`;
      if (current !== "" && this.fonts.body.widthOfTextAtSize(candidate, BODY_SIZE) > width) {
        lines.push(current);
        current = word;
      } else {
        current = candidate;
      }
    }
    if (current !== "") lines.push(current);
    return lines;
  }

  private newPage(): void {
    this.page = this.pdf.addPage([PAGE.width, PAGE.height]);
    this.pageCount += 1;
    const furniture = { size: 8, font: this.fonts.furniture };
    this.page.drawText(SAMPLE.runningHeader, { x: PAGE.margin, y: PAGE.height - 40, ...furniture });
    this.page.drawText(String(this.pageCount), { x: PAGE.width / 2, y: 36, ...furniture });
    this.y = PAGE.height - PAGE.margin;
  }
}
