// Statements drizzle cannot build cheaply (a batched flush bound once per row, an INSERT … SELECT
// over json_each) are written by hand but name their tables and columns through the schema: a
// renamed column renames the statement, a removed one fails the type check.
import type { Column, Table } from "drizzle-orm";

/** The SQL names of a table's columns. */
export type ColumnNames<T extends Table> = { [K in keyof T["_"]["columns"]]: T["_"]["columns"][K]["_"]["name"] }[keyof T["_"]["columns"]];

/** A column's SQL name, typed as the literal the schema declares. */
export function columnName<C extends Column>(column: C): C["_"]["name"] {
  // drizzle types the runtime `name` as string; the literal is kept only in the type `_`.
  return column.name as C["_"]["name"];
}
