import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso/router";
import type { PaypalCapture } from "../../api/types";
import { ErrorAlert } from "../../components/ErrorAlert";
import { t } from "../../i18n";
import { formatMicros } from "../../i18n/format";
import { readItem, writeItem } from "../../stores/storage";
import { capturePaypal, PAYPAL_ORDER_KEY } from "./topUp";

type Outcome =
  | { kind: "stripe-success" }
  | { kind: "cancelled" }
  | { kind: "capturing" }
  | { kind: "captured"; capture: PaypalCapture }
  | { kind: "failed"; error: unknown };

/** Orders captured in this tab: a re-render or a second visit of the return URL does not capture twice. */
const captured = new Set<string>();

/**
 * Back from a payment page: Stripe says ?checkout=success|cancel (the webhook credits, so the
 * balance may take a moment); PayPal says ?paypal=success&token=<order> and the order is captured here.
 */
export function PaymentReturn({ onCredited }: { onCredited: () => void }) {
  const { query, route } = useLocation();
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  useEffect(() => {
    const checkout = query.checkout;
    const paypal = query.paypal;
    if (!checkout && !paypal) return;
    route("/billing", true); // the notice stays; the URL no longer repeats the return
    if (checkout === "success") {
      setOutcome({ kind: "stripe-success" });
      // The webhook may land just after the redirect: look again shortly.
      const timer = setTimeout(onCredited, 2000);
      onCredited();
      return () => clearTimeout(timer);
    }
    if (checkout === "cancel" || paypal === "cancel") return setOutcome({ kind: "cancelled" });
    const orderId = query.token ?? readItem("session", PAYPAL_ORDER_KEY);
    if (paypal !== "success" || !orderId || captured.has(orderId)) return;
    captured.add(orderId);
    setOutcome({ kind: "capturing" });
    capturePaypal(orderId).then(
      (capture) => {
        writeItem("session", PAYPAL_ORDER_KEY, null);
        setOutcome({ kind: "captured", capture });
        onCredited();
      },
      (error: unknown) => {
        captured.delete(orderId);
        setOutcome({ kind: "failed", error });
      },
    );
  }, []);

  if (!outcome) return null;
  switch (outcome.kind) {
    case "stripe-success":
      return (
        <p class="success" role="status">
          {t("billing.stripeSuccess")}
        </p>
      );
    case "cancelled":
      return (
        <p class="notice" role="status">
          {t("billing.cancelled")}
        </p>
      );
    case "capturing":
      return (
        <p class="muted" role="status">
          {t("billing.capturing")}
        </p>
      );
    case "captured": {
      const credited = outcome.capture.captures.filter((c) => c.credited).reduce((sum, c) => sum + (c.amount_micros ?? 0), 0);
      return (
        <p class={credited > 0 ? "success" : "notice"} role="status">
          {credited > 0 ? t("billing.paypalSuccess", { amount: formatMicros(credited) }) : t("billing.paypalPending", { status: outcome.capture.status })}
        </p>
      );
    }
    case "failed":
      return <ErrorAlert error={outcome.error} />;
  }
}
