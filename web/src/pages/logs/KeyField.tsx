import { call } from "../../api/client";
import type { ControlProps } from "../../components/Field";
import { useAsync } from "../../hooks/useAsync";
import { t } from "../../i18n";
import { can } from "../../stores/permissions";

export interface KeyChoice {
  id: string;
  name: string;
  prefix: string;
  revoked_at: string | null;
}

/** The tenant's keys (revoked ones too: their calls stay in the log); null without keys:read. */
const loadKeys = async (signal: AbortSignal): Promise<KeyChoice[] | null> => (can("keys:read") ? (await call("get", "/api/keys", { signal })).data : null);

interface Props {
  a11y: ControlProps;
  value: string;
  onChange: (id: string) => void;
}

/** The key filter: a choice of the tenant's keys, or the key's id typed when they cannot be listed. */
export function KeyField({ a11y, value, onChange }: Props) {
  const { state } = useAsync(loadKeys);
  if (state.status !== "ready" || state.data === null) {
    return <input {...a11y} name="key_id" value={value} onInput={(e) => onChange(e.currentTarget.value)} placeholder="key_…" autocomplete="off" />;
  }
  const keys = state.data;
  return (
    <select {...a11y} name="key_id" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
      <option value="">{t("logs.any")}</option>
      {value && !keys.some((k) => k.id === value) && <option value={value}>{value}</option>}
      {keys.map((k) => (
        <option key={k.id} value={k.id}>
          {k.name} ({k.prefix}…){k.revoked_at ? ` · ${t("logs.revoked")}` : ""}
        </option>
      ))}
    </select>
  );
}
