import type { FunctionComponent } from "preact";
import {
  AnalyticsIcon,
  AuditIcon,
  BillingIcon,
  DashboardIcon,
  DiagnosticsIcon,
  KeysIcon,
  ModelsIcon,
  ProvidersIcon,
  SettingsIcon,
  UsersIcon,
} from "../components/icons";
import { EndUsersIcon } from "../components/EndUsersIcon";
import type { MessageKey } from "../i18n";
import type { Permission } from "../stores/permissions";

export interface NavItem {
  href: string;
  label: MessageKey;
  Icon: FunctionComponent;
  /** Shown in the phone's bottom bar; the others live under "More". */
  primary: boolean;
  /** Hidden from roles without it. */
  permission?: Permission;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { href: "/dashboard", label: "nav.dashboard", Icon: DashboardIcon, primary: true },
  { href: "/providers", label: "nav.providers", Icon: ProvidersIcon, primary: true },
  { href: "/models", label: "nav.models", Icon: ModelsIcon, primary: true },
  { href: "/keys", label: "nav.keys", Icon: KeysIcon, primary: true },
  { href: "/tools", label: "nav.tools", Icon: ProvidersIcon, primary: false, permission: "providers:read" },
  { href: "/analytics", label: "nav.analytics", Icon: AnalyticsIcon, primary: false },
  { href: "/logs", label: "nav.logs", Icon: AuditIcon, primary: false, permission: "analytics:read" },
  { href: "/end-users", label: "nav.endUsers", Icon: EndUsersIcon, primary: false, permission: "analytics:read" },
  { href: "/billing", label: "nav.billing", Icon: BillingIcon, primary: false, permission: "billing:read" },
  { href: "/audit", label: "nav.audit", Icon: AuditIcon, primary: false, permission: "audit:read" },
  { href: "/users", label: "nav.users", Icon: UsersIcon, primary: false },
  { href: "/settings", label: "nav.settings", Icon: SettingsIcon, primary: false },
  { href: "/diagnostics", label: "nav.diagnostics", Icon: DiagnosticsIcon, primary: false },
];

export const isCurrent = (path: string, href: string): boolean => path === href || path.startsWith(`${href}/`);
