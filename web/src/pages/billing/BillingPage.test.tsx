import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { LocationProvider, Route, Router } from "preact-iso/router";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { BillingStatus, LedgerEntry, TenantSettings } from "../../api/types";
import { browser } from "../../lib/browser";
import { signIn } from "../../stores/auth";
import { allCalls, jsonResponse, routes, session, userWithRole } from "../../test/fetch";
import BillingPage from "./BillingPage";
import { PAYPAL_ORDER_KEY } from "./topUp";

const BILLING: BillingStatus = {
  tenant_id: "ten_1",
  billing_enabled: true,
  balance_micros: 42_500_000,
  reserved_micros: 500_000,
  available_micros: 42_000_000,
  month_spend_micros: 7_500_000,
  monthly_budget_micros: 10_000_000,
  budget_remaining_micros: 2_500_000,
  currency: "usd",
  topup: { min_micros: 5_000_000, max_micros: 10_000_000_000 },
  payment_methods: { stripe: false, paypal: false },
};

const TENANT: TenantSettings = {
  id: "ten_1",
  name: "Acme",
  billing_enabled: true,
  rpm_limit: null,
  tpm_limit: null,
  concurrency_limit: null,
  monthly_budget_micros: 10_000_000,
  alert_thresholds: [50, 80],
  gate_shards: 1,
  markup_bps: null,
  response_retention_days: 30,
  log_retention_days: 30,
  redaction: null,
  otlp_endpoint: null,
  otlp_header_names: null,
  time_zone: "UTC",
  end_user_defaults: null,
  model_limits: null,
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: null,
};

const entry = (n: number): LedgerEntry => ({
  id: `led_${n}`,
  kind: n === 1 ? "promo" : "usage",
  amount_micros: n === 1 ? 100_000_000 : -n,
  idempotency_key: `k${n}`,
  reason: n === 1 ? "Welcome credit" : null,
  actor_id: null,
  created_at: "2026-11-24T10:00:00.000Z",
});

function api(billing: Partial<BillingStatus> = {}, extra: Parameters<typeof routes>[0] = {}) {
  let balance = billing.balance_micros ?? BILLING.balance_micros;
  return routes({
    "GET /api/billing": () => jsonResponse(200, { ...BILLING, ...billing, balance_micros: balance }),
    "GET /api/billing/ledger": (c) =>
      jsonResponse(
        200,
        new URL(c.url, "http://x").searchParams.get("cursor") === "c2"
          ? { data: [entry(1)], next_cursor: null }
          : { data: [entry(3), entry(2)], next_cursor: "c2" },
      ),
    "GET /api/tenant": () => jsonResponse(200, TENANT),
    "PATCH /api/tenant": (c) => jsonResponse(200, { ...TENANT, ...(c.body as object) }),
    "GET /api/notifications/settings": () =>
      jsonResponse(200, {
        webhook_url: null,
        webhook_secret: "s",
        low_balance_micros: null,
        default_low_balance_micros: 5_000_000,
        alert_thresholds: [50, 80],
      }),
    "PUT /api/notifications/settings": (c) =>
      jsonResponse(200, { webhook_url: null, webhook_secret: "s", ...(c.body as object), default_low_balance_micros: 5_000_000, alert_thresholds: [50, 80] }),
    "GET /api/notifications": () =>
      jsonResponse(200, {
        data: [
          {
            id: "n1",
            seq: 1,
            type: "budget.threshold_crossed",
            tenant_id: "ten_1",
            message: "x",
            data: { threshold_percent: 50, month_spend_micros: 5_000_000, monthly_budget_micros: 10_000_000 },
            created_at: "2026-11-24T10:00:00.000Z",
          },
        ],
      }),
    "POST /api/payments/paypal/orders/ORDER-1/capture": () => {
      balance += 20_000_000;
      return jsonResponse(200, {
        order_id: "ORDER-1",
        status: "COMPLETED",
        captures: [{ id: "CAP", status: "COMPLETED", amount_micros: 20_000_000, credited: true }],
        balance_micros: balance,
      });
    },
    ...extra,
  });
}

function renderAt(path: string) {
  history.replaceState(null, "", path);
  render(
    <LocationProvider>
      <Router>
        <Route path="/billing" component={BillingPage} />
        <Route default component={() => <p>elsewhere</p>} />
      </Router>
    </LocationProvider>,
  );
}

describe("billing page", () => {
  beforeEach(() => signIn(session("tok")));

  it("shows the balance, spend against the budget, the ledger and the alerts; no payment buttons when none is configured", async () => {
    api();
    renderAt("/billing");
    expect((await screen.findByTestId("billing-balance")).textContent).toBe("$42.50");
    expect(screen.getByText("$7.50 of $10.00 (75%)")).toBeTruthy();
    expect(screen.getByText("No payment method is configured on this server.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: /Stripe|PayPal/ })).toBeNull();
    expect(await screen.findByText("-$0.000003")).toBeTruthy();
    expect(screen.queryByText("Welcome credit")).toBeNull(); // on page 2
    expect(await screen.findByText("Budget 50% reached")).toBeTruthy();
  });

  it("pages through the ledger with its cursor, and back", async () => {
    const fetchMock = api();
    renderAt("/billing");
    const ledger = (await screen.findByRole("heading", { name: "Ledger" })).closest("section") as HTMLElement;
    await within(ledger).findByText("-$0.000003");
    fireEvent.click(within(ledger).getByRole("button", { name: "Older" }));
    expect(await within(ledger).findByText("Welcome credit")).toBeTruthy();
    expect(allCalls(fetchMock).some((c) => c.url === "/api/billing/ledger?limit=20&cursor=c2")).toBe(true);
    expect(within(ledger).getByRole("button", { name: "Older" }).hasAttribute("disabled")).toBe(true);
    fireEvent.click(within(ledger).getByRole("button", { name: "Newer" }));
    expect(await within(ledger).findByText("-$0.000003")).toBeTruthy();
  });

  it("sends the owner to Stripe Checkout for a valid amount", async () => {
    const fetchMock = api(
      { payment_methods: { stripe: true, paypal: false } },
      {
        "POST /api/payments/stripe/checkout": () =>
          jsonResponse(201, { id: "cs_1", url: "https://checkout.stripe.test/cs_1", amount_micros: 25_000_000, currency: "usd", expires_at: null }),
      },
    );
    const assign = vi.spyOn(browser, "assign").mockImplementation(() => undefined);
    renderAt("/billing");
    const amount = await screen.findByLabelText("Amount (USD)");
    expect(screen.queryByRole("button", { name: "Pay with PayPal" })).toBeNull();
    fireEvent.input(amount, { target: { value: "2" } });
    fireEvent.click(screen.getByRole("button", { name: "Pay with card (Stripe)" }));
    expect(await screen.findByText("Enter an amount from $5.00 to $10,000.00.")).toBeTruthy();
    fireEvent.input(amount, { target: { value: "25.001" } });
    fireEvent.click(screen.getByRole("button", { name: "Pay with card (Stripe)" }));
    expect(await screen.findByText("Use whole cents.")).toBeTruthy();
    fireEvent.input(amount, { target: { value: "25" } });
    fireEvent.click(screen.getByRole("button", { name: "Pay with card (Stripe)" }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith("https://checkout.stripe.test/cs_1"));
    expect(allCalls(fetchMock).find((c) => c.url === "/api/payments/stripe/checkout")?.body).toEqual({ amount_micros: 25_000_000 });
  });

  it("creates a PayPal order, and captures it on the way back", async () => {
    const fetchMock = api(
      { payment_methods: { stripe: true, paypal: true } },
      {
        "POST /api/payments/paypal/orders": () =>
          jsonResponse(201, {
            id: "ORDER-1",
            status: "CREATED",
            approve_url: "https://paypal.test/approve/ORDER-1",
            amount_micros: 20_000_000,
            currency: "usd",
          }),
      },
    );
    const assign = vi.spyOn(browser, "assign").mockImplementation(() => undefined);
    renderAt("/billing");
    fireEvent.click(await screen.findByRole("button", { name: "Pay with PayPal" }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith("https://paypal.test/approve/ORDER-1"));
    expect(sessionStorage.getItem(PAYPAL_ORDER_KEY)).toBe("ORDER-1");

    cleanup();
    renderAt("/billing?paypal=success&token=ORDER-1&PayerID=P1");
    expect(await screen.findByText("$20.00 added to your balance.")).toBeTruthy();
    expect(allCalls(fetchMock).filter((c) => c.url === "/api/payments/paypal/orders/ORDER-1/capture")).toHaveLength(1);
    expect(location.search).toBe("");
    await waitFor(() => expect(screen.getByTestId("billing-balance").textContent).toBe("$62.50"));
  });

  it("says when the buyer cancelled at the processor", async () => {
    api();
    renderAt("/billing?checkout=cancel");
    expect(await screen.findByText("The payment was cancelled; nothing was charged.")).toBeTruthy();
  });

  it("saves the budget, the thresholds and the low-balance alert", async () => {
    const fetchMock = api();
    renderAt("/billing");
    const budget = await screen.findByLabelText("Monthly budget (USD)");
    expect((budget as HTMLInputElement).value).toBe("10");
    fireEvent.input(budget, { target: { value: "250.5" } });
    fireEvent.input(screen.getByLabelText("Alert at (% of budget)"), { target: { value: "50, 90" } });
    fireEvent.input(await screen.findByLabelText("Low-balance alert below (USD)"), { target: { value: "12" } });
    fireEvent.click(screen.getByRole("button", { name: "Save budget and alerts" }));
    expect(await screen.findByText("Saved.")).toBeTruthy();
    const calls = allCalls(fetchMock);
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ monthly_budget_micros: 250_500_000, alert_thresholds: [50, 90] });
    expect(calls.find((c) => c.method === "PUT")?.body).toEqual({ low_balance_micros: 12_000_000 });
  });

  it("lets an admin see billing but not pay", async () => {
    signIn(session("tok", userWithRole("admin")));
    api({ payment_methods: { stripe: true, paypal: true } });
    renderAt("/billing");
    expect(await screen.findByText("Only the owner can add credit.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Pay with PayPal" })).toBeNull();
  });

  it("keeps viewers out", async () => {
    signIn(session("tok", userWithRole("viewer")));
    const fetchMock = api();
    renderAt("/billing");
    expect(await screen.findByText("Your role cannot see this page.")).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
