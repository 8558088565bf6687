import { getRequest } from "../../api/requests";
import type { RequestDetail } from "../../api/types";
import { AsyncView } from "../../components/AsyncView";
import { CopyButton } from "../../components/CopyButton";
import { useAsync } from "../../hooks/useAsync";
import { t } from "../../i18n";
import { AttemptChain, AttemptSummary } from "./AttemptChain";
import { CallBodies } from "./CallBodies";
import { CallSummary } from "./CallSummary";
import { CallUsage } from "./CallUsage";
import { TimingBar } from "./TimingBar";

/** The address that opens this call (?request_id=), to share. */
export const callLink = (id: string): string => `${location.origin}/logs?request_id=${encodeURIComponent(id)}`;

function Attempts({ call }: { call: RequestDetail }) {
  if (call.detail ? call.detail.attempts.length === 0 : call.attempts.length === 0) return <p class="small muted">{t("logs.noAttempts")}</p>;
  return call.detail ? <AttemptChain attempts={call.detail.attempts} /> : <AttemptSummary attempts={call.attempts} />;
}

/** One call: what it was, where the time went, each attempt, its cost, and the bodies when captured and allowed. */
export function RequestDetails({ id }: { id: string }) {
  const { state } = useAsync((signal) => getRequest(id, signal), [id]);
  return (
    <AsyncView state={state}>
      {(call) => (
        <div class="stack" data-call-id={call.id}>
          <CallSummary call={call} />
          <CopyButton text={callLink(call.id)} label={t("logs.copyLink")} />
          {call.detail && (
            <section class="stack-sm" aria-labelledby="call-timings">
              <h3 id="call-timings">{t("logs.timings")}</h3>
              <TimingBar timings={call.detail.timings} />
            </section>
          )}
          <section class="stack-sm" aria-labelledby="call-attempts">
            <h3 id="call-attempts">{t("logs.attempts")}</h3>
            <Attempts call={call} />
          </section>
          <section class="stack-sm" aria-labelledby="call-usage">
            <h3 id="call-usage">{t("logs.usage")}</h3>
            <CallUsage call={call} />
          </section>
          <section class="stack-sm" aria-labelledby="call-bodies">
            <h3 id="call-bodies">{t("logs.bodies")}</h3>
            <CallBodies call={call} />
          </section>
        </div>
      )}
    </AsyncView>
  );
}
