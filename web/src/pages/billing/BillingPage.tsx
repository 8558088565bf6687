import { useState } from "preact/hooks";
import { call } from "../../api/client";
import { AsyncView } from "../../components/AsyncView";
import { PageHeader } from "../../components/PageHeader";
import { useAsync } from "../../hooks/useAsync";
import { t } from "../../i18n";
import { can } from "../../stores/permissions";
import { BalanceCard } from "./BalanceCard";
import { BudgetCard } from "./BudgetCard";
import { LedgerCard } from "./LedgerCard";
import { NotificationsCard } from "./NotificationsCard";
import { PaymentReturn } from "./PaymentReturn";
import { TopUpCard } from "./TopUpCard";

const loadBilling = (signal: AbortSignal) => call("get", "/api/billing", { signal });

export default function BillingPage() {
  if (can("billing:read")) return <Billing />;
  return (
    <>
      <PageHeader title={t("billing.title")} />
      <p class="notice">{t("common.notAllowed")}</p>
    </>
  );
}

function Billing() {
  const { state, reload } = useAsync(loadBilling);
  const [ledgerVersion, setLedgerVersion] = useState(0);
  const refresh = () => {
    reload();
    setLedgerVersion((v) => v + 1);
  };
  return (
    <>
      <PageHeader title={t("billing.title")} description={t("billing.description")}>
        <button class="button" type="button" onClick={refresh}>
          {t("analytics.refresh")}
        </button>
      </PageHeader>
      <div class="stack">
        <PaymentReturn onCredited={refresh} />
        <AsyncView state={state}>
          {(billing) => (
            <>
              <div class="dashboard-grid">
                <BalanceCard billing={billing} />
                <TopUpCard billing={billing} />
              </div>
              <LedgerCard version={ledgerVersion} currency={billing.currency} />
            </>
          )}
        </AsyncView>
        <div class="dashboard-grid">
          <BudgetCard onSaved={reload} />
          <NotificationsCard />
        </div>
      </div>
    </>
  );
}
