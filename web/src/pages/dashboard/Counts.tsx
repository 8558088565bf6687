import { call } from "../../api/client";
import { ErrorAlert } from "../../components/ErrorAlert";
import { useAsync } from "../../hooks/useAsync";
import { formatNumber } from "../../i18n/format";
import { t } from "../../i18n";
import { providers } from "../../stores/providers";

interface CountsData {
  activeKeys: number;
  routes: number;
}

async function loadCounts(signal: AbortSignal): Promise<CountsData> {
  const [keys, routes] = await Promise.all([call("get", "/api/keys", { signal }), call("get", "/api/routes", { signal })]);
  const now = Date.now();
  const active = keys.data.filter((k) => !k.revoked_at && (!k.expires_at || Date.parse(k.expires_at) > now));
  return { activeKeys: active.length, routes: routes.data.length };
}

function Stat({ href, value, label }: { href: string; value: number | null; label: string }) {
  return (
    <li class="stat">
      <a href={href}>
        <span class="value">{value === null ? "…" : formatNumber(value)}</span>
        <span class="label">{label}</span>
      </a>
    </li>
  );
}

export function Counts() {
  const { state } = useAsync(loadCounts);
  const list = providers.value;
  const data = state.status === "ready" ? state.data : null;
  return (
    <section aria-labelledby="counts-heading">
      <h2 id="counts-heading" class="visually-hidden">
        {t("dashboard.counts")}
      </h2>
      <ul class="stats">
        <Stat href="/keys" value={data?.activeKeys ?? null} label={t("dashboard.activeKeys")} />
        <Stat href="/providers" value={list ? list.filter((p) => p.enabled).length : null} label={t("dashboard.enabledProviders")} />
        <Stat href="/models" value={data?.routes ?? null} label={t("dashboard.routes")} />
      </ul>
      {state.status === "error" && <ErrorAlert error={state.error} />}
    </section>
  );
}
