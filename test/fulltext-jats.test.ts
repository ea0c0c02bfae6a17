import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { parseJats, parseJatsArticles } from "../src/fulltext/jats.js";
import type { LoadedPaper } from "../src/types.js";

const JATS_DIR = fileURLToPath(new URL("../fixtures/jats/", import.meta.url));

function loadFixture(name: string): LoadedPaper {
  return parseJats(readFileSync(`${JATS_DIR}${name}`, "utf8"), name);
}

function allParagraphs(paper: LoadedPaper): string[] {
  return paper.document.sections.flatMap((section) => section.paragraphs);
}

function bodyParagraphCount(paper: LoadedPaper): number {
  return paper.document.sections
    .filter((section) => section.path[0] !== "Abstract")
    .reduce((count, section) => count + section.paragraphs.length, 0);
}

function sectionPaths(paper: LoadedPaper): string[] {
  return paper.document.sections.map((section) => section.path.join(" > "));
}

/** A minimal JATS article around the given body and back matter. */
function article(parts: { meta?: string; body?: string; back?: string; prolog?: string }): string {
  return `${parts.prolog ?? '<?xml version="1.0"?>'}
<article xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:mml="http://www.w3.org/1998/Math/MathML">
<front><journal-meta><journal-title-group><journal-title>Test Journal</journal-title></journal-title-group></journal-meta>
<article-meta><title-group><article-title>A test article</article-title></title-group>${parts.meta ?? ""}</article-meta></front>
${parts.body === undefined ? "" : `<body>${parts.body}</body>`}${parts.back === undefined ? "" : `<back>${parts.back}</back>`}
</article>`;
}

describe("parseJats on real articles", () => {
  it("reads a JATS 1.0 article (BMC Microbiology, PMC3166277)", () => {
    const paper = loadFixture("pmc-jats-PMC3166277.xml");
    const { record, document } = paper;

    expect(record.title).toBe("Factors influencing lysis time stochasticity in bacteriophage λ");
    expect(record.authors[0]).toEqual({ family: "Dennehy", given: "John J" });
    expect(record.authors).toHaveLength(2);
    expect(record.year).toBe(2011);
    expect(record.journal).toBe("BMC Microbiology");
    expect(record.ids).toMatchObject({ pmid: "21810267", pmcid: "PMC3166277", doi: "10.1186/1471-2180-11-174" });
    expect(record.id).toBe("pmid:21810267");
    expect(record.url).toBe("https://doi.org/10.1186/1471-2180-11-174");
    expect(record.openAccess).toBe(true);
    expect(record.foundBy).toEqual([{ source: "library" }]);
    expect(record.abstract).toMatch(/^Background: Despite identical genotypes/);

    expect(document.access).toBe("fulltext");
    expect(document.paperId).toBe("pmid:21810267");
    expect(document.sections).toHaveLength(25);
    expect(allParagraphs(paper)).toHaveLength(44);
    expect(bodyParagraphCount(paper)).toBe(41);
    expect(sectionPaths(paper).slice(0, 5)).toEqual([
      "Abstract > Background",
      "Abstract > Results",
      "Abstract > Conclusions",
      "Background",
      "Results",
    ]);
    expect(sectionPaths(paper)).toContain("Results > Effect of late promoter pR' activity");
    expect(sectionPaths(paper)).toContain("Acknowledgements");
    // Inline <xref> and <italic> text stays in reading order; &#x003bb; decodes to λ.
    expect(allParagraphs(paper)).toContainEqual(
      expect.stringMatching(
        /^Some phenotypic variation arises from randomness in cellular processes despite identical environments and genotypes \[1-9\]\. Population heterogeneity, resulting from such molecular stochasticity, has been documented in many microbial organisms including bacteriophage \(phage\) λ \[10-13\], Escherichia coli \[14-16\], Bacillus subtilis \[17,18\]/,
      ),
    );

    expect(document.references).toHaveLength(64);
    expect(document.references[0]).toEqual({
      text: "Avery SV Microbial cell individuality and the underlying sources of heterogeneity Nat Rev Microbiol 2006 4 577 587 10.1038/nrmicro1460 16845428",
      ids: { doi: "10.1038/nrmicro1460", pmid: "16845428" },
    });

    // Figure, table and supplementary captions are collected apart from the text …
    expect(document.captions).toHaveLength(8);
    expect(document.captions).toContain("Table 1. Effects of holin allelic sequences on the stochasticity of lysis time.");
    expect(document.captions[0]).toMatch(/^Figure 1\. Schematic presentation of two models of holin hole formation\. Holin monomers/);
    // … and neither captions, table cells nor references leak into the sections.
    const text = allParagraphs(paper).join("\n");
    expect(text).not.toContain("Schematic presentation of two models");
    expect(text).not.toContain("IN61");
    expect(text).not.toContain("Microbial cell individuality");
  });

  it("reads a JATS 1.0 article with floats-group and element-citation references (EHP, PMC2599765)", () => {
    const paper = loadFixture("pmc-jats-PMC2599765.xml");
    const { record, document } = paper;

    expect(record.title).toBe(
      "Dietary Exposure to 2,2′,4,4′-Tetrabromodiphenyl Ether (PBDE-47) Alters Thyroid Status and Thyroid Hormone–Regulated Gene Transcription in the Pituitary and Brain",
    );
    expect(record.authors[0]).toEqual({ family: "Lema", given: "Sean C." });
    expect(record.year).toBe(2008);
    expect(record.journal).toBe("Environmental Health Perspectives");
    expect(record.ids).toMatchObject({ pmid: "19079722", pmcid: "PMC2599765", doi: "10.1289/ehp.11570" });
    expect(record.openAccess).toBe(true);

    expect(document.access).toBe("fulltext");
    expect(document.sections).toHaveLength(22);
    expect(bodyParagraphCount(paper)).toBe(33);
    // Text directly in <body>, before the first <sec>, has an empty heading path.
    expect(document.sections[5]?.path).toEqual([]);
    expect(document.sections[5]?.paragraphs[0]).toMatch(/^Polybrominated diphenyl ethers \(PBDEs\) are added to plastics/);
    expect(sectionPaths(paper)).toContain("Materials and Methods > T4 and T3 radioimmunoassays");
    expect(allParagraphs(paper)).toContain(
      "Breeding pairs of adult fathead minnows (Pimephales promelas) were given dietary PBDE-47 at two doses (2.4 μg/pair/day or 12.3 μg/pair/day) for 21 days.",
    );

    expect(document.references).toHaveLength(58);
    expect(document.references[0]?.ids).toEqual({ pmid: "16828638" });
    expect(document.references[0]?.text).toMatch(/^Adolf B Chapouton P .* Tannhäuser B .* 2006 Conserved and acquired features/);

    // Captions of figures kept in <floats-group> after <back> are found too.
    expect(document.captions).toHaveLength(3);
    expect(document.captions[0]).toBe(
      "Figure 1. Exposure to PBDE-47 depressed circulating concentrations of total T4 in males and females (A), but had no effect on total T3 in males (B). *p < 0.05 compared with control.",
    );
  });

  it("reads the older NLM 2.3 DTD as well (PLoS ONE, PMC1790863)", () => {
    const paper = loadFixture("pmc-jats-PMC1790863.xml");
    const { record, document } = paper;

    expect(record.title).toBe("Quantifying Organismal Complexity using a Population Genetic Approach");
    expect(record.authors.map((author) => author.family)).toEqual(["Tenaillon", "Silander", "Uzan", "Chao"]);
    expect(record.year).toBe(2007);
    // NLM 2.3 puts <journal-title> directly under <journal-meta>.
    expect(record.journal).toBe("PLoS ONE");
    expect(record.ids).toMatchObject({ pmid: "17299597", pmcid: "PMC1790863", doi: "10.1371/journal.pone.0000217" });
    expect(record.openAccess).toBe(true);

    expect(document.access).toBe("fulltext");
    expect(document.sections).toHaveLength(22);
    expect(bodyParagraphCount(paper)).toBe(51);
    expect(sectionPaths(paper)).toContain("Model and Results > Estimates of Phenotypic Complexity for VSV and ΦX174");
    expect(sectionPaths(paper)).toContain("Methods > Appendix B: robustness to assumptions > Ellipsoidal fitness isoclines");
    expect(allParagraphs(paper)).toContainEqual(
      expect.stringMatching(
        /^The details of experimental evolution of ΦX174 have been described previously \[14\]\. Briefly, phage were mutagenized in 250 mM hydroxylamine, 1mM EDTA at 37°C for 140 minutes\./,
      ),
    );

    // NLM 2.3 <citation> references.
    expect(document.references).toHaveLength(33);
    expect(document.references[1]).toEqual({
      label: "2",
      text: "Szathmary E Jordan F Pal C 2001 Molecular biology and evolution - Can genes explain biological complexity? Science 292 1315 1316 11360989",
      ids: { pmid: "11360989" },
    });
    expect(document.captions).toHaveLength(3);
  });

  it("reads a JATS 1.4 Europe PMC article (PMC13205833)", () => {
    const paper = loadFixture("europepmc-fulltextxml-PMC13205833.xml");
    const { record, document } = paper;

    expect(record.title).toBe("Nutrition as the Foundation of Human Capital: Pathways to Holistic Development");
    expect(record.authors).toEqual([{ family: "Hassen", given: "Demeke Mekonnen" }]);
    expect(record.year).toBe(2026);
    expect(record.journal).toBe("Maternal & Child Nutrition");
    // pub-id-type "pmcid" (not "pmcaid" or "pmcid-ver").
    expect(record.ids).toMatchObject({ pmid: "42169256", pmcid: "PMC13205833", doi: "10.1111/mcn.70196" });
    expect(record.openAccess).toBe(true);

    expect(document.access).toBe("fulltext");
    // The main abstract only: the "highlights" abstract is left out.
    expect(document.sections.filter((section) => section.path[0] === "Abstract")).toHaveLength(1);
    expect(document.sections[0]?.path).toEqual(["Abstract"]);
    expect(document.sections).toHaveLength(12);
    expect(bodyParagraphCount(paper)).toBe(34);
    expect(sectionPaths(paper)).toContain("Data Availability Statement");
    expect(allParagraphs(paper)).toContainEqual(
      expect.stringMatching(
        /^Human capital has long been regarded as central to economic growth and social progress \(Becker 1964; Schultz 1961\)\. Accordingly,/,
      ),
    );

    // mixed-citation text keeps its own punctuation.
    expect(document.references).toHaveLength(34);
    expect(document.references[0]).toEqual({
      text: "Alderman, H. 2006. “Long Term Consequences of Early Childhood Malnutrition.” Oxford Economic Papers 58, no. 3 (April): 450–474. 10.1093/oep/gpl008.",
      ids: { doi: "10.1093/oep/gpl008" },
    });
    expect(document.references[1]?.ids).toEqual({ doi: "10.1257/jep.25.3.153", pmid: "25152565", pmcid: "PMC4140221" });
    expect(document.captions).toEqual([expect.stringMatching(/^Figure 1\. Human capital development path and the environment\. Note:/)]);
  });

  it("reads an E-utilities <pmc-articleset> holding one correction notice (PMC8435807)", () => {
    const paper = loadFixture("efetch-pmc-PMC8435807-correction.xml");
    const { record, document } = paper;

    expect(record.id).toBe("pmid:34527728");
    expect(record.ids).toMatchObject({ pmid: "34527728", pmcid: "PMC8435807", doi: "10.1183/23120541.50193-2021" });
    expect(record.title).toMatch(/^“Lung diffusing capacity for nitric oxide measured by two commercial devices.*ERJ Open Res 2021; 7: 00193-2021\.$/);
    expect(record.authors).toEqual([]);
    expect(record.year).toBe(2021);
    expect(record.journal).toBe("ERJ Open Research");
    expect(record.abstract).toBeUndefined();
    // The notice has no abstract and a one-paragraph body, which is its whole text.
    expect(document.access).toBe("fulltext");
    expect(document.sections).toEqual([
      {
        path: [],
        paragraphs: [
          "This article was originally published with an error in table 2. The upper 95% confidence limit of the per cent difference in the primary end-point (diffusing capacity of the lung for nitric oxide) was incorrectly given as 15.1% and has now been corrected to −15.1% in the published article.",
        ],
      },
    ]);
    expect(document.references).toEqual([]);
  });

  it("marks front matter alone as unavailable and an abstract without body as abstract-only", () => {
    const correction = readFileSync(`${JATS_DIR}efetch-pmc-PMC8435807-correction.xml`, "utf8");
    const frontOnly = parseJats(correction.replace(/<body>[\s\S]*<\/body>/, ""), "correction.xml");
    expect(frontOnly.document.access).toBe("unavailable");
    expect(frontOnly.document.accessReason).toBe("front matter only");
    expect(frontOnly.document.sections).toEqual([]);

    const abstractOnly = parseJats(article({ meta: "<abstract><p>Only the abstract.</p></abstract>" }), "a.xml");
    expect(abstractOnly.document.access).toBe("abstract-only");
    expect(abstractOnly.document.sections).toEqual([{ path: ["Abstract"], paragraphs: ["Only the abstract."] }]);
    expect(abstractOnly.record.abstract).toBe("Only the abstract.");
  });
});

describe("parseJats details", () => {
  it("chooses the record id PMID, then PMCID, then DOI, then the local path", () => {
    const withIds = (ids: string) => parseJats(article({ meta: ids }), "lib/x.xml").record;
    expect(withIds('<article-id pub-id-type="pmc">123</article-id><article-id pub-id-type="doi">10.1/AB</article-id>').id).toBe(
      "pmcid:PMC123",
    );
    const doiOnly = withIds('<article-id pub-id-type="doi">10.1000/ABC.Def</article-id>');
    expect(doiOnly.id).toBe("doi:10.1000/abc.def");
    expect(doiOnly.ids.doi).toBe("10.1000/ABC.Def");
    const none = withIds("");
    expect(none.id).toBe("local:lib/x.xml");
    expect(none.url).toBeUndefined();
    expect(none.openAccess).toBeUndefined();
  });

  it("prefers print and online publication dates over other dates", () => {
    const year = parseJats(
      article({
        meta:
          '<pub-date pub-type="pmc-release"><year>2020</year></pub-date><pub-date pub-type="collection"><year>2019</year></pub-date>' +
          '<pub-date publication-format="electronic" date-type="pub"><day>1</day><year>2018</year></pub-date>',
      }),
      "a.xml",
    ).record.year;
    expect(year).toBe(2018);
  });

  it("reads group authors and skips editors", () => {
    const authors = parseJats(
      article({
        meta:
          '<contrib-group><contrib contrib-type="author"><collab>The Phage Consortium<contrib-group><contrib><name><surname>Member</surname></name></contrib></contrib-group></collab></contrib>' +
          '<contrib contrib-type="author"><string-name>Ada Lovelace</string-name></contrib>' +
          '<contrib contrib-type="editor"><name><surname>Editor</surname><given-names>E</given-names></name></contrib></contrib-group>',
      }),
      "a.xml",
    ).record.authors;
    expect(authors).toEqual([{ family: "The Phage Consortium" }, { family: "Ada Lovelace" }]);
  });

  it("decodes character references once and keeps inline markup in order", () => {
    const paper = parseJats(
      article({
        body:
          "<p>H<sub>2</sub>O at 37&#x000b0;C: &#945; &lt; &#x3b2; &amp;&amp; <italic>E. coli</italic> [<xref>1</xref>] &amp;lt; &#x1D4D7; <![CDATA[a &lt; b]]></p>",
      }),
      "a.xml",
    );
    expect(allParagraphs(paper)).toEqual(["H2O at 37°C: α < β && E. coli [1] &lt; 𝓗 a &lt; b"]);
  });

  it("reduces formulas to one text rendering", () => {
    const paper = parseJats(
      article({
        body:
          '<p>Energy <inline-formula><alternatives><tex-math>\\documentclass{minimal}\\begin{document}$E=mc^2$\\end{document}</tex-math>' +
          "<mml:math><mml:mi>E</mml:mi><mml:mo>=</mml:mo><mml:mi>m</mml:mi><mml:msup><mml:mi>c</mml:mi><mml:mn>2</mml:mn></mml:msup></mml:math>" +
          '<inline-graphic xlink:href="f.gif"/></alternatives></inline-formula> holds.</p>' +
          "<disp-formula><tex-math>\\documentclass{minimal}\\begin{document}$$x^2$$\\end{document}</tex-math></disp-formula>",
      }),
      "a.xml",
    );
    expect(allParagraphs(paper)).toEqual(["Energy E=mc2 holds.", "x^2"]);
  });

  it("keeps reading order when paragraphs follow a sub-section, and reads lists and boxed text in place", () => {
    const paper = parseJats(
      article({
        body:
          "<sec><title>Results</title><p>First.</p><sec><title>Detail</title><p>Inner.</p></sec><p>After.</p>" +
          "<list><list-item><p>Item one.</p></list-item><list-item><p>Item two.</p></list-item></list>" +
          '<boxed-text><p>Boxed.</p></boxed-text><table-wrap><label>Table 1</label><caption><p>Cells.</p></caption><table><tr><td>42</td></tr></table></table-wrap></sec>',
        back: "<ack><p>Thanks.</p></ack><ref-list><ref><label>1</label><mixed-citation>Ref <pub-id pub-id-type=\"doi\">10.1/x</pub-id></mixed-citation></ref></ref-list>",
      }),
      "a.xml",
    );
    expect(paper.document.sections).toEqual([
      { path: ["Results"], paragraphs: ["First."] },
      { path: ["Results", "Detail"], paragraphs: ["Inner."] },
      { path: ["Results"], paragraphs: ["After.", "Item one.", "Item two.", "Boxed."] },
    ]);
    expect(paper.document.captions).toEqual(["Table 1. Cells."]);
    expect(paper.document.references).toEqual([{ label: "1", text: "Ref 10.1/x", ids: {} }]);
  });

  it("leaves graphical abstracts out", () => {
    const paper = parseJats(
      article({
        meta: '<abstract abstract-type="graphical"><p>Picture.</p></abstract><abstract><title>Abstract</title><p>Words.</p></abstract>',
      }),
      "a.xml",
    );
    expect(paper.document.sections).toEqual([{ path: ["Abstract"], paragraphs: ["Words."] }]);
  });

  it("returns each article of a multi-article set with its own local id", () => {
    const one = article({ body: "<p>One.</p>" }).replace('<?xml version="1.0"?>', "");
    const papers = parseJatsArticles(`<pmc-articleset>${one}${one}</pmc-articleset>`, "set.xml");
    expect(papers.map((paper) => paper.record.id)).toEqual(["local:set.xml#1", "local:set.xml#2"]);
    expect(() => parseJats(`<pmc-articleset>${one}${one}</pmc-articleset>`, "set.xml")).toThrow(/expected one JATS article, found 2/);
  });
});

describe("parseJats safety and errors", () => {
  it("does not expand DOCTYPE entities (billion laughs) and still decodes character references", () => {
    const levels = Array.from({ length: 9 }, (_, index) => {
      const level = index + 1;
      return `<!ENTITY lol${level} "${`&lol${level - 1};`.repeat(10)}">`;
    }).join("");
    const bomb = article({
      prolog: `<?xml version="1.0"?><!DOCTYPE article [<!ENTITY lol0 "lol">${levels}]>`,
      body: "<p>Before &lol9; after &#x3b1;.</p>",
    });
    const started = performance.now();
    const paper = parseJats(bomb, "bomb.xml");
    expect(performance.now() - started).toBeLessThan(1000);
    expect(allParagraphs(paper)).toEqual(["Before &lol9; after α."]);
  });

  it("refuses external entities instead of reading them", () => {
    const xxe = article({
      prolog: '<?xml version="1.0"?><!DOCTYPE article [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
      body: "<p>Value: &secret;</p>",
    });
    expect(() => parseJats(xxe, "xxe.xml")).toThrow("unsupported XML: External entities are not supported");
  });

  it("rejects malformed XML with its position", () => {
    expect(() => parseJats("<article><front></article>", "bad.xml")).toThrow(/^malformed XML \(line 1, column \d+\): Expected closing tag 'front'/);
    expect(() => parseJats("", "empty.xml")).toThrow(/malformed XML: the document is empty/);
    expect(() => parseJats("just words", "words.xml")).toThrow(/^malformed XML/);
  });

  it("rejects XML that is not a JATS article", () => {
    expect(() => parseJats("<html><body><p>hi</p></body></html>", "page.xml")).toThrow("not a JATS article (root element <html>)");
    expect(() => parseJats("<article><p>no front</p></article>", "a.xml")).toThrow(/not a JATS article \(<article> has no <front>/);
    expect(() => parseJats("<pmc-articleset></pmc-articleset>", "set.xml")).toThrow(/<pmc-articleset> holds no <article>/);
  });
});
