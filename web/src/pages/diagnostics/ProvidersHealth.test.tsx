import { render, screen, within } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { signIn } from "../../stores/auth";
import { session, userWithRole } from "../../test/fetch";
import { providerHealth } from "./fixtures";
import { ProvidersHealth } from "./ProvidersHealth";

const tenantProvider = providerHealth({ id: "prv_own", name: "own-openai", kind: "openai", scope: "tenant", latency_ms: { "own-openai/gpt-4o-mini": 240 } });
const platformProvider = providerHealth({ id: "prv_demo", name: "demo", scope: "platform", latency_ms: {} });
const providers = [tenantProvider, platformProvider];

function renderAs(role: string, isOperator = false) {
  signIn(session("tok", userWithRole(role, isOperator)));
  render(<ProvidersHealth providers={providers} />);
}

const probeButtonOf = (name: string) => within(screen.getByRole("article", { name })).queryByRole("button", { name: `Measure latency of ${name}` });

describe("providers health: who may probe", () => {
  it.each(["viewer", "developer"])("offers no probe to a %s", (role) => {
    renderAs(role);
    expect(screen.getAllByRole("article")).toHaveLength(2);
    expect(screen.queryAllByRole("button")).toHaveLength(0);
  });

  it.each(["admin", "owner"])("offers a %s the probe of the tenant's own providers, not of platform ones", (role) => {
    renderAs(role);
    expect(probeButtonOf("own-openai")).toBeTruthy();
    expect(probeButtonOf("demo")).toBeNull();
  });

  it("offers the operator the probe of every provider", () => {
    renderAs("viewer", true);
    expect(probeButtonOf("own-openai")).toBeTruthy();
    expect(probeButtonOf("demo")).toBeTruthy();
  });

  it("shows scope, failure window and latency per target, or that nothing was measured yet", () => {
    renderAs("viewer");
    const own = screen.getByRole("article", { name: "own-openai" });
    expect(within(own).getByText("Own")).toBeTruthy();
    expect(within(own).getByText("0 failed of 12")).toBeTruthy();
    expect(within(own).getByText("own-openai/gpt-4o-mini").nextElementSibling?.textContent).toBe("≈ 240 ms");
    const demo = screen.getByRole("article", { name: "demo" });
    expect(within(demo).getByText("Platform")).toBeTruthy();
    expect(within(demo).getByText("Nothing measured yet.")).toBeTruthy();
  });
});
