// Named shapes of the API, all derived from the generated schema (schema.d.ts).
import type { Paths } from "./schema";

export type Method = "get" | "post" | "put" | "patch" | "delete";

/** The documented paths that support `M`. */
export type PathFor<M extends Method> = {
  [P in keyof Paths]: M extends keyof Paths[P] ? P : never;
}[keyof Paths];

export type Operation<P extends keyof Paths, M extends Method> = M extends keyof Paths[P] ? Paths[P][M] : never;
export type ResponseOf<P extends keyof Paths, M extends Method> = Operation<P, M> extends { response: infer R } ? R : never;
export type BodyOf<P extends keyof Paths, M extends Method> = Operation<P, M> extends { body: infer B } ? B : never;

type Item<T> = T extends { data: (infer I)[] } ? I : never;

export type TokenResponse = ResponseOf<"/api/auth/login", "post">;
export type User = TokenResponse["user"];
export type MeResponse = ResponseOf<"/api/auth/me", "get">;
export type Tenant = MeResponse["tenant"];
export type TenantMembership = MeResponse["tenants"][number];
export type RegisterBody = BodyOf<"/api/auth/register", "post">;
export type RegisterResponse = ResponseOf<"/api/auth/register", "post">;
export type AcceptInvitationBody = BodyOf<"/api/auth/accept-invitation", "post">;

export type Member = Item<ResponseOf<"/api/users", "get">>;
export type Invitation = Item<ResponseOf<"/api/users/invitations", "get">>;
export type CreatedInvitation = ResponseOf<"/api/users/invitations", "post">;
export type Role = Member["role"];

export type ApiKey = ResponseOf<"/api/keys/{id}", "get">;
export type CreatedApiKey = ResponseOf<"/api/keys", "post">;
export type KeyCreateBody = BodyOf<"/api/keys", "post">;
export type KeyUpdateBody = BodyOf<"/api/keys/{id}", "patch">;

export type Provider = ResponseOf<"/api/providers/{id}", "get">;
export type ProviderKind = Provider["kind"];
export type ProviderCreateBody = BodyOf<"/api/providers", "post">;
export type ProviderUpdateBody = BodyOf<"/api/providers/{id}", "patch">;
export type ProviderTestResult = ResponseOf<"/api/providers/{id}/test", "post">;

export type McpServer = ResponseOf<"/api/mcp/servers/{id}", "get">;
export type McpServerCreateBody = BodyOf<"/api/mcp/servers", "post">;
export type McpServerUpdateBody = BodyOf<"/api/mcp/servers/{id}", "patch">;
export type McpServerTestResult = ResponseOf<"/api/mcp/servers/{id}/test", "post">;

export type Price = ResponseOf<"/api/prices/{id}", "get">;
export type ModelPrice = Item<ResponseOf<"/api/prices/models", "get">>;

export type RouteAlias = ResponseOf<"/api/routes/{id}", "get">;
export type RouteStrategy = RouteAlias["strategy"];
export type RouteTarget = RouteAlias["targets"][number];
export type RouteCreateBody = BodyOf<"/api/routes", "post">;
export type RouteUpdateBody = BodyOf<"/api/routes/{id}", "patch">;

export type TenantSettings = ResponseOf<"/api/tenant", "get">;
export type TenantUpdateBody = BodyOf<"/api/tenant", "patch">;

export type AnalyticsQuery = NonNullable<Operation<"/api/analytics", "get">["query"]>;
export type AnalyticsReport = ResponseOf<"/api/analytics", "get">;
export type AnalyticsPoint = AnalyticsReport["series"][number];
export type AnalyticsInterval = AnalyticsReport["interval"];
export type AnalyticsGroupBy = NonNullable<AnalyticsQuery["group_by"]>;
export type LiveTicket = ResponseOf<"/api/analytics/live/ticket", "post">;

export type BillingStatus = ResponseOf<"/api/billing", "get">;
export type LedgerPage = ResponseOf<"/api/billing/ledger", "get">;
export type LedgerEntry = Item<LedgerPage>;
export type LedgerKind = LedgerEntry["kind"];
export type AppNotification = Item<ResponseOf<"/api/notifications", "get">>;
export type NotificationSettings = ResponseOf<"/api/notifications/settings", "get">;
export type NotificationSettingsBody = BodyOf<"/api/notifications/settings", "put">;
export type AlertType = AppNotification["type"];
export type AlertDelivery = NonNullable<AppNotification["deliveries"]>[number];
export type AlertPreferences = ResponseOf<"/api/notifications/preferences", "get">;
export type PushDevice = Item<ResponseOf<"/api/push/subscriptions", "get">>;
export type PushTestResult = Item<ResponseOf<"/api/push/test", "post">>;
export type CheckoutSession = ResponseOf<"/api/payments/stripe/checkout", "post">;
export type PaypalOrder = ResponseOf<"/api/payments/paypal/orders", "post">;
export type PaypalCapture = ResponseOf<"/api/payments/paypal/orders/{id}/capture", "post">;

export type HealthReport = ResponseOf<"/api/health", "get">;
export type HealthCheck = HealthReport["checks"]["d1"];
export type DiagnosticsReport = ResponseOf<"/api/diagnostics", "get">;
export type GateStatus = NonNullable<DiagnosticsReport["gate"]>;
export type ProviderHealth = DiagnosticsReport["providers"][number];
export type CircuitState = ProviderHealth["circuit"];
export type RecentError = DiagnosticsReport["recent_errors"][number];

export type AuditQuery = NonNullable<Operation<"/api/audit", "get">["query"]>;
export type AuditPage = ResponseOf<"/api/audit", "get">;
/** An entry as GET /api/audit/:id answers it; in a page (GET /api/audit) it has no diff. */
export type AuditEntry = ResponseOf<"/api/audit/{id}", "get">;
export type FieldDiff = NonNullable<AuditEntry["diff"]>[number];
export type RollbackResult = ResponseOf<"/api/audit/{id}/rollback", "post">;

export type RequestQuery = NonNullable<Operation<"/api/requests", "get">["query"]>;
export type RequestPage = ResponseOf<"/api/requests", "get">;
export type RequestRow = RequestPage["data"][number];
export type RequestDetail = ResponseOf<"/api/requests/{id}", "get">;
