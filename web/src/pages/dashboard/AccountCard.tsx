import { t } from "../../i18n";
import { currentTenant, currentUser, memberships } from "../../stores/auth";
import { isRole } from "../users/roles";
import { TenantSwitcher } from "./TenantSwitcher";

export function AccountCard() {
  const user = currentUser.value;
  if (!user) return null;
  const tenant = currentTenant.value;
  return (
    <section class="card" aria-labelledby="account-heading">
      <h2 id="account-heading">{t("dashboard.account")}</h2>
      <p class="break">
        {t("dashboard.signedInAs")} <strong>{user.email}</strong>
      </p>
      <dl class="facts">
        <dt>{t("dashboard.tenant")}</dt>
        <dd>{tenant ? <strong>{tenant.name}</strong> : t("common.loading")}</dd>
        <dt>{t("dashboard.role")}</dt>
        <dd>
          <span class="badge accent">{isRole(user.role) ? t(`roles.${user.role}`) : user.role}</span>{" "}
          {user.is_operator && <span class="badge warn">{t("dashboard.operator")}</span>}
        </dd>
      </dl>
      {memberships.value.length > 1 && <TenantSwitcher />}
    </section>
  );
}
