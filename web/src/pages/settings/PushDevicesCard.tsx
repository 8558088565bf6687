import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { PushDevice, PushTestResult } from "../../api/types";
import { EmptyState } from "../../components/EmptyState";
import { ErrorAlert } from "../../components/ErrorAlert";
import { AsyncView } from "../../components/AsyncView";
import { Field } from "../../components/Field";
import { useAction } from "../../hooks/useAction";
import { useAsync } from "../../hooks/useAsync";
import { t } from "../../i18n";
import { formatDateTime } from "../../i18n/format";
import { deviceLabel, PushSetupError, pushAvailability, thisDeviceId } from "../../pwa/pushDevice";
import { enableThisDevice, removeDevice } from "../../stores/alertDevice";

const loadDevices = async (signal: AbortSignal) => (await call("get", "/api/push/subscriptions", { signal })).data;

const sendTest = async () => (await call("post", "/api/push/test")).data;

const OUTCOME_BADGE: Record<PushTestResult["outcome"], string> = { sent: "ok", retry: "warn", failed: "bad", gone: "bad" };

/** Why this browser cannot be enabled, in words; null for an API error (ErrorAlert shows those). */
function setupProblem(error: unknown): string | null {
  if (!(error instanceof PushSetupError)) return null;
  return t(`push.problem.${error.reason}`);
}

/** The signed-in user's devices that receive alerts (Web Push): this one enabled here, each listed with its last use, removable, and a test push. */
export function PushDevicesCard() {
  const { state, update } = useAsync(loadDevices);
  const [label, setLabel] = useState(() => deviceLabel(navigator.userAgent));
  const [results, setResults] = useState<PushTestResult[] | null>(null);
  const enable = useAction(enableThisDevice);
  const remove = useAction(removeDevice);
  const test = useAction(sendTest);
  const availability = pushAvailability();
  const mine = thisDeviceId();

  const onEnable = async () => {
    const device = await enable.run(label.trim() || deviceLabel(navigator.userAgent));
    if (device) update((list) => [...list.filter((d) => d.id !== device.id), device]);
  };
  const onRemove = async (id: string) => {
    const gone = await remove.run(id);
    if (gone) update((list) => list.filter((d) => d.id !== gone));
  };
  const onTest = async () => {
    setResults(null);
    const answer = await test.run();
    if (answer) {
      setResults(answer);
      const forgotten = new Set(answer.filter((r) => r.outcome === "gone").map((r) => r.id));
      if (forgotten.size) update((list) => list.filter((d) => !forgotten.has(d.id)));
    }
  };

  return (
    <section class="card stack" aria-labelledby="devices-heading">
      <h2 id="devices-heading">{t("push.title")}</h2>
      <p class="hint">{t("push.intro")}</p>
      <AsyncView state={state}>
        {(devices) => {
          const enabledHere = devices.some((d) => d.id === mine);
          return (
            <div class="stack">
              {availability !== "available" ? (
                <p class="notice">{t(`push.problem.${availability}`)}</p>
              ) : (
                !enabledHere && (
                  <div class="row">
                    <Field label={t("push.label")}>
                      {(a11y) => <input {...a11y} type="text" maxLength={100} value={label} onInput={(e) => setLabel(e.currentTarget.value)} />}
                    </Field>
                    <button class="button primary" type="button" onClick={() => void onEnable()} disabled={enable.busy} aria-busy={enable.busy}>
                      {t("push.enable")}
                    </button>
                  </div>
                )
              )}
              {setupProblem(enable.error) ? <p class="alert">{setupProblem(enable.error)}</p> : <ErrorAlert error={enable.error} />}
              {devices.length === 0 ? (
                <EmptyState>{t("push.none")}</EmptyState>
              ) : (
                <ul class="list" aria-label={t("push.devices")}>
                  {devices.map((d) => (
                    <DeviceItem
                      key={d.id}
                      device={d}
                      here={d.id === mine}
                      busy={remove.busy}
                      onRemove={onRemove}
                      result={results?.find((r) => r.id === d.id)}
                    />
                  ))}
                </ul>
              )}
              <ErrorAlert error={remove.error ?? test.error} />
              {devices.length > 0 && (
                <div>
                  <button class="button" type="button" onClick={() => void onTest()} disabled={test.busy} aria-busy={test.busy}>
                    {t("push.test")}
                  </button>
                </div>
              )}
            </div>
          );
        }}
      </AsyncView>
    </section>
  );
}

interface DeviceItemProps {
  device: PushDevice;
  here: boolean;
  busy: boolean;
  result: PushTestResult | undefined;
  onRemove: (id: string) => void;
}

function DeviceItem({ device, here, busy, result, onRemove }: DeviceItemProps) {
  return (
    <li class="list-item">
      <div class="main">
        <h3 class="break">
          {device.label} {here && <span class="badge info">{t("push.thisDevice")}</span>}
        </h3>
        <p class="muted small">
          {new URL(device.push_service).host} · {t("push.added", { date: formatDateTime(device.created_at) })} ·{" "}
          {device.last_used_at ? t("push.lastUsed", { date: formatDateTime(device.last_used_at) }) : t("push.neverUsed")}
        </p>
        {result && (
          <p class="small" role="status">
            <span class={`badge ${OUTCOME_BADGE[result.outcome]}`}>{t(`push.outcome.${result.outcome}`)}</span>
          </p>
        )}
      </div>
      <button
        class="button small danger"
        type="button"
        disabled={busy}
        onClick={() => onRemove(device.id)}
        aria-label={t("push.removeNamed", { label: device.label })}
      >
        {t("push.remove")}
      </button>
    </li>
  );
}
