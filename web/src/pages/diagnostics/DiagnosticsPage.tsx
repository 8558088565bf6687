import { useEffect } from "preact/hooks";
import { call } from "../../api/client";
import type { DiagnosticsReport } from "../../api/types";
import { AsyncView } from "../../components/AsyncView";
import { PageHeader } from "../../components/PageHeader";
import { useAsync } from "../../hooks/useAsync";
import { locale, t } from "../../i18n";
import { loadProviders } from "../../stores/providers";
import { GateCard } from "./GateCard";
import { HealthCard } from "./HealthCard";
import { MediaPlayground } from "./MediaPlayground";
import { Playground } from "./Playground";
import { ProvidersHealth } from "./ProvidersHealth";
import { RecentErrors } from "./RecentErrors";

const loadAliases = async (signal: AbortSignal) => (await call("get", "/api/routes", { signal })).data.map((r) => r.alias);

const loadReport = async (signal: AbortSignal) => ({ report: await call("get", "/api/diagnostics", { signal }), fetchedAt: new Date() });

const formatClock = (date: Date) => new Intl.DateTimeFormat(locale(), { timeStyle: "medium" }).format(date);

function Report({ report, fetchedAt }: { report: DiagnosticsReport; fetchedAt: Date }) {
  return (
    <>
      <p class="muted small" role="status" data-testid="diagnostics-updated">
        {t("diagnostics.updated", { time: formatClock(fetchedAt) })}
      </p>
      <div class="diag-grid">
        <HealthCard checks={report.checks} build={report.build.id} />
        <GateCard gate={report.gate} />
      </div>
      <ProvidersHealth providers={report.providers} />
      <RecentErrors errors={report.recent_errors} />
    </>
  );
}

export default function DiagnosticsPage() {
  const aliases = useAsync(loadAliases);
  const diagnostics = useAsync(loadReport);
  useEffect(() => void loadProviders(), []);
  return (
    <>
      <PageHeader title={t("diagnostics.title")} description={t("diagnostics.description")}>
        <button class="button" type="button" onClick={diagnostics.reload}>
          {t("diagnostics.refresh")}
        </button>
      </PageHeader>
      <div class="stack">
        <AsyncView state={diagnostics.state}>{(data) => <Report {...data} />}</AsyncView>
        <Playground aliases={aliases.state.status === "ready" ? aliases.state.data : []} />
        <MediaPlayground />
      </div>
    </>
  );
}
