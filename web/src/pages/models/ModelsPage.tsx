import { useEffect } from "preact/hooks";
import { call } from "../../api/client";
import { AsyncView } from "../../components/AsyncView";
import { PageHeader } from "../../components/PageHeader";
import { useAsync } from "../../hooks/useAsync";
import { t } from "../../i18n";
import { loadProviders } from "../../stores/providers";
import { Catalogue } from "./Catalogue";
import { PriceTable } from "./PriceTable";
import { RoutesSection } from "./RoutesSection";

const loadPrices = async (signal: AbortSignal) => (await call("get", "/api/prices", { signal })).data;
const loadModels = async (signal: AbortSignal) => (await call("get", "/api/prices/models", { signal })).data;

export default function ModelsPage() {
  const { state } = useAsync(loadPrices);
  const { state: models } = useAsync(loadModels);
  useEffect(() => void loadProviders(), []);
  return (
    <>
      <PageHeader title={t("models.title")} description={t("models.description")} />
      <section aria-labelledby="catalogue-heading">
        <h2 id="catalogue-heading">{t("models.catalogue")}</h2>
        <p class="muted small">{t("models.perMillion")}</p>
        <AsyncView state={models}>{(list) => <Catalogue models={list} />}</AsyncView>
      </section>
      <RoutesSection />
      <section class="section" aria-labelledby="prices-heading">
        <h2 id="prices-heading">{t("models.prices")}</h2>
        <AsyncView state={state}>{(prices) => <PriceTable prices={prices} />}</AsyncView>
      </section>
    </>
  );
}
