import { describe, expect, it } from "vitest";
import { parseInitialsAuthors } from "../src/fulltext/paper.js";
import { fetchEuropePmcLinks } from "../src/sources/europepmc.js";
import type { PaperRecord } from "../src/types.js";
import { replaySourceContext } from "./helpers/sources.js";

const REST = "/europepmc/webservices/rest";

// No recorded references/citations response is available, so these bodies follow the shape in
// docs/scholarly-apis.md (Europe PMC reference guide v6.9): matched entries carry id and source,
// unmatched ones only free text.
const referencesBody = {
  hitCount: 3,
  request: { id: "21645374", source: "MED", page: 1, pageSize: 25 },
  referenceList: {
    reference: [
      { id: "17203234", source: "MED", title: "Programmed cell death in plants.", authorString: "Gunawardena AH, Greenwood JS.", pubYear: 2004, citedOrder: 1, match: "Y" },
      { id: "PMC2599765", source: "PMC", title: "A <i>lace</i> plant study", pubYear: "2008", doi: "10.1289/ehp.11282", citedOrder: 2, match: "Y" },
      { unstructuredInformation: "Smith J. An unmatched book. 1999.", citedOrder: 3, match: "N" },
    ],
  },
};
const citationsPage = (ids: string[], hitCount: number) => ({
  hitCount,
  citationList: { citation: ids.map((id) => ({ id, source: "MED", title: `Citing paper ${id}`, authorString: "Roe R.", pubYear: 2020, citedByCount: 1 })) },
});

const lacePlant: PaperRecord = { id: "pmid:21645374", ids: { pmid: "21645374" }, title: "Lace plant", authors: [], foundBy: [] };

describe("Europe PMC citation graph", () => {
  it("lists the matched references of a paper as records, leaving out unmatched ones", async () => {
    const { server, context } = await replaySourceContext("europepmc", REST, [
      { path: `${REST}/MED/21645374/references`, response: { body: JSON.stringify(referencesBody), headers: { "content-type": "application/json" } } },
    ]);
    const records = await fetchEuropePmcLinks(context, lacePlant, "references", 50);
    expect(records.map((record) => record.id)).toEqual(["pmid:17203234", "pmcid:PMC2599765"]);
    expect(records[0]).toMatchObject({
      title: "Programmed cell death in plants.",
      authors: [{ family: "Gunawardena", given: "AH" }, { family: "Greenwood", given: "JS" }],
      year: 2004,
      foundBy: [{ source: "europepmc", query: "references of pmid:21645374" }],
    });
    expect(records[1]).toMatchObject({ title: "A lace plant study", ids: { pmcid: "PMC2599765", doi: "10.1289/ehp.11282" }, year: 2008 });
    expect(server.requests[0]?.query.get("format")).toBe("json");
  });

  it("pages through citations (the server may send fewer than asked) until the limit", async () => {
    const { server, context } = await replaySourceContext("europepmc", REST, [
      { path: `${REST}/MED/21645374/citations`, query: { page: "1" }, response: { body: JSON.stringify(citationsPage(["1", "2"], 5)) } },
      { path: `${REST}/MED/21645374/citations`, query: { page: "2" }, response: { body: JSON.stringify(citationsPage(["3", "4"], 5)) } },
    ]);
    const records = await fetchEuropePmcLinks(context, lacePlant, "citations", 3);
    expect(records.map((record) => record.ids.pmid)).toEqual(["1", "2", "3"]);
    expect(server.requests.map((request) => request.query.get("pageSize"))).toEqual(["3", "3"]);
  });

  it("returns nothing for a paper Europe PMC cannot address, and fails clearly on malformed JSON", async () => {
    const { context } = await replaySourceContext("europepmc", REST, [{ path: `${REST}/MED/21645374/references`, response: { body: "{\"hitCount\": 2, \"refer" } }]);
    expect(await fetchEuropePmcLinks(context, { ...lacePlant, id: "doi:10.1/x", ids: { doi: "10.1/x" } }, "references", 5)).toEqual([]);
    await expect(fetchEuropePmcLinks(context, lacePlant, "references", 5)).rejects.toThrow("Europe PMC returned malformed JSON");
  });

  it("reads Medline author strings as family name and initials, without generational suffixes", () => {
    expect(parseInitialsAuthors("Doe J, van der Berg AB, Hambrick GW Jr, Mouse Genome Consortium.")).toEqual([
      { family: "Doe", given: "J" },
      { family: "van der Berg", given: "AB" },
      { family: "Hambrick", given: "GW" },
      { family: "Mouse Genome Consortium" },
    ]);
  });
});
