import { useState } from "preact/hooks";
import { call } from "../../api/client";
import { CopyButton } from "../../components/CopyButton";
import { ErrorAlert } from "../../components/ErrorAlert";
import { useAction } from "../../hooks/useAction";
import { t } from "../../i18n";
import { downloadExport, type ExportFormat, exportPath } from "./exportData";
import type { Selection } from "./range";

const createReadToken = async () => (await call("post", "/api/analytics/tokens", { body: { expires_in_days: 30 } })).token;

/** The raw request log for the selected range as a file, or as a read-only link for BI tools. */
export function ExportCard({ selection }: { selection: Selection }) {
  const download = useAction(downloadExport);
  const token = useAction(createReadToken);
  const [link, setLink] = useState<string | null>(null);
  const [format, setFormat] = useState<ExportFormat | null>(null);

  const onDownload = async (f: ExportFormat) => {
    setFormat(f);
    await download.run(f, selection);
    setFormat(null);
  };
  const onLink = async () => {
    const value = await token.run();
    if (value) setLink(new URL(exportPath("csv", selection, Date.now(), value), location.origin).href);
  };

  return (
    <section class="card" aria-labelledby="export-heading">
      <h2 id="export-heading">{t("analytics.export")}</h2>
      <p class="muted small">{t("analytics.exportHint")}</p>
      <div class="row">
        <button class="button" type="button" onClick={() => void onDownload("csv")} disabled={download.busy} aria-busy={format === "csv"}>
          {t("analytics.downloadCsv")}
        </button>
        <button class="button" type="button" onClick={() => void onDownload("ndjson")} disabled={download.busy} aria-busy={format === "ndjson"}>
          {t("analytics.downloadNdjson")}
        </button>
        <button class="button link" type="button" onClick={() => void onLink()} disabled={token.busy}>
          {t("analytics.readLink")}
        </button>
      </div>
      <ErrorAlert error={download.error ?? token.error} />
      {link && (
        <div class="stack-sm">
          <p class="notice small">{t("analytics.readLinkWarning")}</p>
          <pre tabIndex={0} aria-label={t("analytics.readLinkLabel")} class="wrap">
            <code>{link}</code>
          </pre>
          <CopyButton text={link} />
        </div>
      )}
    </section>
  );
}
