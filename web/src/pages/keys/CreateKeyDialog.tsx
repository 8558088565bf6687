import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { ApiKey, CreatedApiKey } from "../../api/types";
import { Dialog } from "../../components/Dialog";
import { useAction } from "../../hooks/useAction";
import { t } from "../../i18n";
import { emptyKeyForm, keyBody, type KeyFormValues } from "./keyForm";
import { KeyForm } from "./KeyForm";
import { SecretReveal } from "./SecretReveal";

const createKey = (values: KeyFormValues) => call("post", "/api/keys", { body: keyBody(values) });

/** Create → the secret, once. Closing forgets it; only the listing's fields are kept. */
export function CreateKeyDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (key: ApiKey) => void }) {
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const action = useAction(createKey);

  const close = () => {
    setCreated(null);
    action.reset();
    onClose();
  };

  const submit = async (values: KeyFormValues) => {
    const answer = await action.run(values);
    if (!answer) return;
    const { key: _secret, ...listed } = answer;
    onCreated(listed);
    setCreated(answer);
  };

  return (
    <Dialog open={open} wide={created === null} title={created ? t("keys.secret.title") : t("keys.createTitle")} onClose={close}>
      {created ? (
        <SecretReveal created={created} onDone={close} />
      ) : (
        <KeyForm initial={emptyKeyForm()} submitLabel={t("keys.create")} busy={action.busy} error={action.error} onSubmit={submit} onCancel={close} />
      )}
    </Dialog>
  );
}
