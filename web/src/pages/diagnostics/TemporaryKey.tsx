import { call } from "../../api/client";
import { ErrorAlert } from "../../components/ErrorAlert";
import { useAction } from "../../hooks/useAction";
import { t } from "../../i18n";
import { playgroundKey } from "./playgroundKey";

const HOUR_MS = 60 * 60 * 1000;

async function createTemporaryKey(): Promise<string> {
  const answer = await call("post", "/api/keys", {
    body: { name: `Playground ${new Date().toISOString().slice(0, 16).replace("T", " ")}`, expires_at: new Date(Date.now() + HOUR_MS).toISOString() },
  });
  return answer.key;
}

/** A key that expires in an hour, created for the playground and kept only in memory. */
export function TemporaryKey() {
  const action = useAction(createTemporaryKey);
  return (
    <div class="stack-sm">
      <div>
        <button
          class="button small"
          type="button"
          disabled={action.busy}
          aria-busy={action.busy}
          onClick={async () => {
            const key = await action.run();
            if (key) playgroundKey.value = key;
          }}
        >
          {t("playground.createKey")}
        </button>
      </div>
      <ErrorAlert error={action.error} />
    </div>
  );
}
