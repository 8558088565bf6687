// Local D1 for `npm start` on bare workerd (scripts/lib/serve.mjs); never part of the deployed
// Worker. The app's DB binding is workerd's own D1 client (the `cloudflare-internal:d1-api`
// wrapped binding, as under Miniflare): it POSTs /query or /execute to D1Entry, which hands the
// request to the database's Durable Object. The object is Miniflare's in all that decides where
// its data lives — uniqueKey "miniflare-D1DatabaseObject", named by the database id, storage
// under <stateDir>/v3/d1 — so `wrangler d1 --local`, `wrangler dev` and this share one file.
import { DurableObject, WorkerEntrypoint } from "cloudflare:workers";

/** A blob travels as an array of bytes, both ways. */
type D1Value = string | number | null | number[];
type ResultsFormat = "ROWS_AND_COLUMNS" | "ARRAY_OF_OBJECTS" | "NONE";

interface D1Query {
  sql: string;
  params?: D1Value[] | null;
}

interface Env {
  DATABASES: DurableObjectNamespace<D1DatabaseObject>;
}

const toParam = (value: D1Value) => (Array.isArray(value) ? new Uint8Array(value) : value);
const fromCell = (value: SqlStorageValue): D1Value => (value instanceof ArrayBuffer ? Array.from(new Uint8Array(value)) : value);
const isBlank = (sql: string) => sql.replace(/^\s*--.*/gm, "").trim() === "";

export class D1DatabaseObject extends DurableObject<Env> {
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    // dump() (deprecated, /dump) is not served.
    if (url.pathname !== "/query" && url.pathname !== "/execute") return Response.json({ error: `${url.pathname} is not served locally` }, { status: 404 });
    const format = (url.searchParams.get("resultsFormat") ?? "ARRAY_OF_OBJECTS") as ResultsFormat;
    try {
      const body = (await request.json()) as D1Query | D1Query[];
      const queries = (Array.isArray(body) ? body : [body]).filter((query) => !isBlank(query.sql));
      if (queries.length === 0) throw new Error("No SQL statements detected.");
      // One transaction per call: a batch commits or rolls back as a whole, as on D1.
      return Response.json(this.ctx.storage.transactionSync(() => queries.map((query) => this.run(query, format))));
    } catch (error) {
      // The client reads the body whatever the status, and throws `D1_ERROR: <error>`.
      return Response.json({ success: false, error: error instanceof Error ? error.message : String(error) }, { status: 500 });
    }
  }

  private run(query: D1Query, format: ResultsFormat) {
    const { sql } = this.ctx.storage;
    const before = sql.exec<{ changes: number; rowId: number }>("SELECT total_changes() AS changes, last_insert_rowid() AS rowId").one();
    const cursor = sql.exec(query.sql, ...(query.params ?? []).map(toParam));
    const columns = cursor.columnNames;
    const rows = Array.from(cursor.raw(), (row) => row.map(fromCell));
    const after = sql.exec<{ changes: number; rowId: number }>("SELECT total_changes() AS changes, last_insert_rowid() AS rowId").one();
    const changes = after.changes - before.changes;
    return {
      success: true,
      results: format === "ROWS_AND_COLUMNS" ? { columns, rows } : rows.map((row) => Object.fromEntries(columns.map((name, i) => [name, row[i]]))),
      meta: {
        served_by: "local-workerd",
        served_by_primary: true,
        duration: 0,
        timings: { sql_duration_ms: 0 },
        changes,
        last_row_id: after.rowId,
        changed_db: changes > 0 || cursor.rowsWritten > 0,
        size_after: sql.databaseSize,
        rows_read: cursor.rowsRead,
        rows_written: cursor.rowsWritten,
        total_attempts: 1,
      },
    };
  }
}

/** The D1 client's fetcher: ctx.props.id is the database id (wrangler.toml's database_id). */
export default class D1Entry extends WorkerEntrypoint<Env, { id: string }> {
  override fetch(request: Request): Promise<Response> {
    const databases = this.env.DATABASES;
    return databases.get(databases.idFromName(this.ctx.props.id)).fetch(request);
  }
}
