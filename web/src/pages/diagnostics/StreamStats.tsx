import type { StreamResult } from "../../api/chatStream";
import { t } from "../../i18n";

export function StreamStats({ ttft, result }: { ttft: number | null; result: StreamResult | null }) {
  return (
    <dl class="facts small">
      <dt>{t("playground.ttft")}</dt>
      <dd>{ttft === null ? "—" : t("playground.ms", { ms: Math.round(ttft) })}</dd>
      {result && (
        <>
          <dt>{t("playground.total")}</dt>
          <dd>{t("playground.ms", { ms: Math.round(result.totalMs) })}</dd>
          {result.provider && (
            <>
              <dt>{t("playground.provider")}</dt>
              <dd class="mono">{result.provider}</dd>
            </>
          )}
          {result.finishReason && (
            <>
              <dt>{t("playground.finish")}</dt>
              <dd class="mono">{result.finishReason}</dd>
            </>
          )}
          {result.usage && (
            <>
              <dt>{t("playground.tokens")}</dt>
              <dd>{t("playground.tokensValue", { prompt: result.usage.prompt_tokens, completion: result.usage.completion_tokens })}</dd>
            </>
          )}
        </>
      )}
    </dl>
  );
}
