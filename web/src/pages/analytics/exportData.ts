import { buildUrl, requestStream } from "../../api/client";
import { saveBlob } from "../../lib/download";
import { rangeQuery, type Selection } from "./range";

export type ExportFormat = "csv" | "ndjson";

const ACCEPT: Record<ExportFormat, string> = { csv: "text/csv", ndjson: "application/x-ndjson" };

export function exportPath(format: ExportFormat, sel: Selection, now = Date.now(), token?: string): string {
  return buildUrl("/api/analytics/export", undefined, { format, ...rangeQuery(sel, now), token });
}

export function exportFilename(format: ExportFormat, sel: Selection, now = Date.now()): string {
  const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace(/[:T]/g, "-");
  const range = sel.range === "custom" ? `${sel.from}_${sel.to}`.replace(/[:T]/g, "-") : `last-${sel.range}-${stamp(now)}`;
  return `usage-${range}.${format}`;
}

/** Fetches the export with the access token (no token in a URL) and saves it as a file. */
export async function downloadExport(format: ExportFormat, sel: Selection, now = Date.now()): Promise<void> {
  const response = await requestStream(exportPath(format, sel, now), ACCEPT[format]);
  saveBlob(await response.blob(), exportFilename(format, sel, now));
}
