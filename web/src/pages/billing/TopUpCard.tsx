import type { TargetedSubmitEvent } from "preact";
import { useState } from "preact/hooks";
import type { BillingStatus } from "../../api/types";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Field } from "../../components/Field";
import { useAction } from "../../hooks/useAction";
import { t } from "../../i18n";
import { formatMicros } from "../../i18n/format";
import { can } from "../../stores/permissions";
import { parseTopUp, payWithPaypal, payWithStripe } from "./topUp";

type Method = "stripe" | "paypal";

const pay = (method: Method, micros: number) => (method === "stripe" ? payWithStripe(micros) : payWithPaypal(micros));

/** Adds credit through the processors this server has; a processor that is not configured has no button. */
export function TopUpCard({ billing }: { billing: BillingStatus }) {
  const [amount, setAmount] = useState("20");
  const [error, setError] = useState<string | null>(null);
  const [method, setMethod] = useState<Method | null>(null);
  const action = useAction(pay);
  const { stripe, paypal } = billing.payment_methods;
  const limits = { min: formatMicros(billing.topup.min_micros, billing.currency), max: formatMicros(billing.topup.max_micros, billing.currency) };

  const start = async (chosen: Method) => {
    const parsed = parseTopUp(amount, billing.topup);
    if ("error" in parsed) return setError(t(parsed.error, limits));
    setError(null);
    setMethod(chosen);
    await action.run(chosen, parsed.micros);
    setMethod(null);
  };
  const onSubmit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const submitter = (event as SubmitEvent).submitter;
    void start(submitter instanceof HTMLButtonElement && submitter.value === "paypal" ? "paypal" : "stripe");
  };

  return (
    <section class="card" aria-labelledby="topup-heading">
      <h2 id="topup-heading">{t("billing.topUp")}</h2>
      {!can("billing:write") ? (
        <p class="muted">{t("billing.ownerOnly")}</p>
      ) : !stripe && !paypal ? (
        <p class="muted">{t("billing.noMethods")}</p>
      ) : (
        <form class="stack" onSubmit={onSubmit} noValidate>
          <Field label={t("billing.amount", { currency: billing.currency.toUpperCase() })} hint={t("billing.amountHint", limits)} error={error}>
            {(a11y) => <input {...a11y} type="text" inputMode="decimal" name="amount" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />}
          </Field>
          <ErrorAlert error={action.error} />
          <div class="row">
            {stripe && (
              <button class="button primary" type="submit" value="stripe" disabled={action.busy} aria-busy={method === "stripe"}>
                {t("billing.payStripe")}
              </button>
            )}
            {paypal && (
              <button class={stripe ? "button" : "button primary"} type="submit" value="paypal" disabled={action.busy} aria-busy={method === "paypal"}>
                {t("billing.payPaypal")}
              </button>
            )}
          </div>
        </form>
      )}
    </section>
  );
}
