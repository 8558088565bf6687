// Provider-down alerts, after the response: a call whose attempt opened or closed a provider's
// circuit tells its tenant's gate, which raises provider.down / provider.recovered once per
// outage (durable-objects/gate/alerts.ts). Circuits are per isolate and platform providers are
// shared, so the tenant alerted is the one whose call saw the change; a closing is also told to
// every tenant this isolate told of the opening, so each hears of the recovery of its outage.
import type { ProviderCircuitReport } from "../../durable-objects/gate/alerts.ts";
import type { Env } from "../env.ts";
import type { AttemptRecord } from "./attempts.ts";
import { gateFor } from "./gate.ts";

/** Per provider: the tenants this isolate told it is down, until it is told them it is back. */
const toldDown = new Map<string, Set<string>>();

function tell(env: Env, tenantId: string, report: ProviderCircuitReport): Promise<void> {
  return gateFor(env, tenantId)
    .providerCircuit(tenantId, report)
    .catch(() => undefined); // an alert lost to a failed RPC is raised by the next change
}

function reportOf(attempt: AttemptRecord): ProviderCircuitReport | null {
  const c = attempt.circuit;
  if (!c) return null;
  return { providerId: c.providerId, providerName: attempt.provider, state: c.to, reason: attempt.outcome, failures: c.failures, samples: c.samples };
}

/** Who hears of the change: the caller's tenant, and on a closing everyone told of the opening. */
function audience(tenantId: string, report: ProviderCircuitReport): Set<string> {
  const told = toldDown.get(report.providerId) ?? new Set<string>();
  if (report.state === "open") {
    toldDown.set(report.providerId, told.add(tenantId));
    return new Set([tenantId]);
  }
  toldDown.delete(report.providerId);
  return told.add(tenantId);
}

async function tellAll(env: Env, tenantId: string, reports: ProviderCircuitReport[]): Promise<void> {
  // In order: a call may both open and close a circuit, and the gate must see them in that order.
  for (const report of reports) await Promise.all([...audience(tenantId, report)].map((tenant) => tell(env, tenant, report)));
}

/** The alerts a call's attempts call for; null when they changed no circuit (the usual case). */
export function circuitAlerts(env: Env, tenantId: string, attempts: readonly AttemptRecord[]): Promise<void> | null {
  const reports = attempts.map(reportOf).filter((r): r is ProviderCircuitReport => r !== null);
  return reports.length ? tellAll(env, tenantId, reports) : null;
}
