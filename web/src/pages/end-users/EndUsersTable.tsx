import { describeLimits } from "../../components/modelLimits";
import { t } from "../../i18n";
import { formatDateTime, formatMicros, formatNumber } from "../../i18n/format";
import { BudgetBar } from "./BudgetBar";
import type { EndUser } from "./endUserForm";

interface EndUsersTableProps {
  users: readonly EndUser[];
  /** Absent for roles that may not change limits. */
  onEdit?: ((user: EndUser) => void) | undefined;
}

/** This month's use per end user, the limits that apply to each and their budget's spend. */
export function EndUsersTable({ users, onEdit }: EndUsersTableProps) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="end-users-heading">
      <table>
        <thead>
          <tr>
            <th scope="col">{t("endUsers.name")}</th>
            <th scope="col" class="num">
              {t("endUsers.requests")}
            </th>
            <th scope="col" class="num">
              {t("endUsers.tokens")}
            </th>
            <th scope="col" class="num">
              {t("endUsers.spend")}
            </th>
            <th scope="col">{t("endUsers.lastSeen")}</th>
            <th scope="col">{t("endUsers.limits")}</th>
            <th scope="col">{t("endUsers.budget")}</th>
            {onEdit && (
              <th scope="col">
                <span class="visually-hidden">{t("endUsers.actions")}</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.end_user}>
              <th scope="row" class="cell-name">
                {u.end_user}
              </th>
              <td class="num">{formatNumber(u.requests)}</td>
              <td class="num">{formatNumber(u.input_tokens + u.output_tokens)}</td>
              <td class="num">{formatMicros(u.cost_micros)}</td>
              <td>{u.last_seen_at ? formatDateTime(u.last_seen_at) : t("endUsers.notSeen")}</td>
              <td>
                {u.limits ? describeLimits(u.limits) : t("limits.none")}{" "}
                {u.own_limits ? <span class="badge accent">{t("endUsers.own")}</span> : u.limits && <span class="badge">{t("endUsers.defaults")}</span>}
              </td>
              <td>
                <BudgetBar user={u} />
              </td>
              {onEdit && (
                <td>
                  <button class="button small" type="button" onClick={() => onEdit(u)} aria-label={t("endUsers.editNamed", { name: u.end_user })}>
                    {t("endUsers.edit")}
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
