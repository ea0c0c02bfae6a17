import { describe, expect, it } from "vitest";

import { parseMarkdown, parsePlainText } from "../src/fulltext/text.js";

describe("parseMarkdown", () => {
  it("reads front matter, heading paths and paragraphs", () => {
    const paper = parseMarkdown(
      [
        "---",
        'title: "Holin timing: notes"',
        "authors:",
        "  - Dennehy, John J",
        "  - Ing-Nang Wang",
        "year: 2011",
        "doi: https://doi.org/10.5555/Example.1",
        "pmid: 21810267",
        "journal: BMC Microbiology",
        "tags: [phage, lysis]",
        "---",
        "",
        "# Holin timing: notes",
        "",
        "Opening **bold** and *italic* text with a [link](https://example.org)",
        "that wraps onto a second line.",
        "",
        "## Results",
        "",
        "Lysis time varied; see `pR'` activity.",
        "",
        "### Promoter",
        "",
        "Lower activity delayed lysis.",
        "",
        "## Open questions",
        "",
        "- Is there a critical concentration?",
        "- How much is noise?",
        "",
        "> A quoted line.",
      ].join("\n"),
      "notes/holin.md",
    );
    const { record, document } = paper;
    expect(record.title).toBe("Holin timing: notes");
    expect(record.authors).toEqual([
      { family: "Dennehy", given: "John J" },
      { family: "Wang", given: "Ing-Nang" },
    ]);
    expect(record.year).toBe(2011);
    expect(record.journal).toBe("BMC Microbiology");
    expect(record.ids).toEqual({ doi: "10.5555/Example.1", pmid: "21810267", local: "notes/holin.md" });
    expect(record.id).toBe("pmid:21810267");
    expect(record.foundBy).toEqual([{ source: "library" }]);
    expect(document.access).toBe("fulltext");
    // The leading "# title" heading names the paper and is not repeated in every path.
    expect(document.sections).toEqual([
      { path: [], paragraphs: ["Opening bold and italic text with a link that wraps onto a second line."] },
      { path: ["Results"], paragraphs: ["Lysis time varied; see pR' activity."] },
      { path: ["Results", "Promoter"], paragraphs: ["Lower activity delayed lysis."] },
      { path: ["Open questions"], paragraphs: ["Is there a critical concentration? How much is noise?", "A quoted line."] },
    ]);
  });

  it("takes the title from the first '# ' heading, else the file name, and uses the local path as id", () => {
    const titled = parseMarkdown("Intro text.\n\n# Real title\n\nBody.", "lib/a.md");
    expect(titled.record.title).toBe("Real title");
    expect(titled.record.id).toBe("local:lib/a.md");
    expect(titled.document.sections).toEqual([
      { path: [], paragraphs: ["Intro text."] },
      { path: ["Real title"], paragraphs: ["Body."] },
    ]);

    const untitled = parseMarkdown("## Only a sub-heading\n\nText.", "lib/my-notes.markdown");
    expect(untitled.record.title).toBe("my-notes");
    expect(untitled.document.sections).toEqual([{ path: ["Only a sub-heading"], paragraphs: ["Text."] }]);
  });

  it("accepts authors as one ';'- or ','-separated string and ignores values of the wrong shape", () => {
    const semicolons = parseMarkdown("---\nauthors: Curie, Marie; Pierre Curie\nyear: soon\n---\nText.", "a.md");
    expect(semicolons.record.authors).toEqual([
      { family: "Curie", given: "Marie" },
      { family: "Curie", given: "Pierre" },
    ]);
    expect(semicolons.record.year).toBeUndefined();

    const commas = parseMarkdown("---\nauthor: Marie Curie, Pierre Curie\npmcid: 123\n---\nText.", "a.md");
    expect(commas.record.authors).toHaveLength(2);
    expect(commas.record.id).toBe("pmcid:PMC123");
  });

  it("keeps '#' lines inside fenced code out of the headings", () => {
    const paper = parseMarkdown("## Code\n\n```sh\n# not a heading\nrun it\n```\n\nAfter.", "a.md");
    expect(paper.document.sections).toEqual([{ path: ["Code"], paragraphs: ["# not a heading run it", "After."] }]);
  });

  it("treats an unclosed front-matter block as text, and an empty file as unavailable", () => {
    const unclosed = parseMarkdown("---\ntitle: x\nNo end.", "a.md");
    expect(unclosed.record.title).toBe("a");
    expect(unclosed.document.access).toBe("fulltext");

    const empty = parseMarkdown("\uFEFF\n\n", "empty.md");
    expect(empty.document.access).toBe("unavailable");
    expect(empty.document.accessReason).toBe("the file holds no text");
  });
});

describe("parsePlainText", () => {
  it("takes a short first line standing alone as the title and splits paragraphs at blank lines", () => {
    const paper = parsePlainText(
      "Fitness landscapes\r\n\r\nFisher's model describes\r\neach organism as a point.\r\n\r\n\r\nDrift load depends on size.\r\n",
      "notes/fitness.txt",
    );
    expect(paper.record.title).toBe("Fitness landscapes");
    expect(paper.record.id).toBe("local:notes/fitness.txt");
    expect(paper.document.access).toBe("fulltext");
    expect(paper.document.sections).toEqual([
      { path: [], paragraphs: ["Fisher's model describes each organism as a point.", "Drift load depends on size."] },
    ]);
  });

  it("uses the file name when the first line is long or part of a paragraph", () => {
    const long = parsePlainText(`${"word ".repeat(60)}\n\nSecond.`, "dir/long-first-line.txt");
    expect(long.record.title).toBe("long-first-line");
    expect(long.document.sections[0]?.paragraphs).toHaveLength(2);

    const wrapped = parsePlainText("The first sentence runs\nonto a second line.", "wrapped.txt");
    expect(wrapped.record.title).toBe("wrapped");
    expect(wrapped.document.sections[0]?.paragraphs).toEqual(["The first sentence runs onto a second line."]);
  });
});
