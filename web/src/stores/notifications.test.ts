import { describe, expect, it } from "vitest";
import type { AppNotification } from "../api/types";
import { changeLanguage } from "../i18n";
import { describeNotification } from "./notifications";

const notification = (type: AppNotification["type"], data: AppNotification["data"]): AppNotification => ({
  id: "ntf_1",
  seq: 1,
  type,
  tenant_id: "ten_1",
  message: "server text",
  data,
  created_at: "2026-11-24T10:00:00.000Z",
});

const down = (reason: string) => notification("provider.down", { provider_id: "prv_1", provider_name: "acme", reason, failures: 3, samples: 5 });
const recovered = notification("provider.recovered", { provider_id: "prv_1", provider_name: "acme", down_since: "2026-11-24T09:00:00.000Z" });

describe("describeNotification", () => {
  it("describes a provider down (an error, linking to providers) and back (a success)", () => {
    expect(describeNotification(down("503"))).toEqual({
      title: "Provider acme is down",
      body: "3 of 5 recent calls failed (last: HTTP 503). Calls go to fallbacks, or fail, until it recovers.",
      tone: "danger",
      href: "/providers",
      linkLabel: "Open providers",
    });
    expect(describeNotification(down("timeout")).body).toContain("(last: timed out)");
    expect(describeNotification(down("network")).body).toContain("(last: connection failed)");
    expect(describeNotification(recovered)).toMatchObject({ title: "Provider acme recovered", tone: "success", href: "/providers" });
  });

  it("keeps money alerts linking to billing", () => {
    expect(describeNotification(notification("balance.low", { balance_micros: 1_000_000, threshold_micros: 5_000_000 }))).toMatchObject({
      tone: "danger",
      href: "/billing",
      linkLabel: "Open billing",
    });
  });

  it("speaks Russian", async () => {
    await changeLanguage("ru");
    expect(describeNotification(down("protocol"))).toMatchObject({
      title: "Провайдер acme недоступен",
      body: "Из 5 последних вызовов с ошибкой завершились 3 (последняя: некорректный ответ). Пока он не восстановится, вызовы уходят на резервные цели или завершаются ошибкой.",
      linkLabel: "Открыть «Провайдеры»",
    });
    expect(describeNotification(recovered).title).toBe("Провайдер acme снова работает");
  });
});
