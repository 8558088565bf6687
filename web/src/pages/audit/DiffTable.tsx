import type { FieldDiff } from "../../api/types";
import { t } from "../../i18n";
import { formatValue } from "./formatValue";

interface DiffTableProps {
  diff: readonly FieldDiff[];
  caption: string;
  beforeLabel?: string;
  afterLabel?: string;
}

/** Field-level before/after, one row per changed field. */
export function DiffTable({ diff, caption, beforeLabel, afterLabel }: DiffTableProps) {
  if (diff.length === 0) return <p class="muted">{t("audit.noChanges")}</p>;
  return (
    <div class="table-wrap">
      <table class="diff">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t("audit.field")}</th>
            <th scope="col">{beforeLabel ?? t("audit.before")}</th>
            <th scope="col">{afterLabel ?? t("audit.after")}</th>
          </tr>
        </thead>
        <tbody>
          {diff.map((d) => (
            <tr key={d.field}>
              <th scope="row" class="mono">
                {d.field}
              </th>
              <td class="diff-before">
                <pre>{formatValue(d.field, d.before)}</pre>
              </td>
              <td class="diff-after">
                <pre>{formatValue(d.field, d.after)}</pre>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
