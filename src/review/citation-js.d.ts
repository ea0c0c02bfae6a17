// Citation.js ships no type declarations: these cover only the part litreview uses (build a
// collection from CSL-JSON or from BibTeX/RIS text, and write it out in one of the registered formats).
declare module "@citation-js/core" {
  /** One CSL-JSON item, as far as litreview reads or writes it. */
  export interface CslItem {
    id: string;
    "citation-key"?: string;
    type: string;
    title?: string;
    /** BibTeX's "von" part ("de la" in "de la Cruz") comes back as a particle, apart from family. */
    author?: { family?: string; given?: string; literal?: string; "non-dropping-particle"?: string; "dropping-particle"?: string }[];
    issued?: { "date-parts"?: (number | string)[][] };
    "container-title"?: string;
    DOI?: string;
    PMID?: string;
    PMCID?: string;
    URL?: string;
    note?: string;
  }

  export class Cite {
    /** Parses CSL-JSON items, or BibTeX / RIS text (the format is detected from the text). */
    constructor(data: string | CslItem[]);
    readonly data: CslItem[];
    format(format: "bibtex" | "ris" | "data", options?: { format?: "text" | "object" }): string;
  }
}

declare module "@citation-js/plugin-bibtex";
declare module "@citation-js/plugin-ris";
