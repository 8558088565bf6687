// Local R2 for `npm start` on bare workerd (scripts/lib/serve.mjs); never part of the deployed
// Worker. A bucket is a Durable Object with SQLite storage under <stateDir>/v3/r2, reached over
// RPC from the binding the app sees (r2-api.ts). Only what the app uses of R2 is served: put,
// get, head, list (prefix, delimiter, cursor, limit) and delete.
import { DurableObject, WorkerEntrypoint } from "cloudflare:workers";

export interface StoredHead {
  key: string;
  size: number;
  etag: string;
  uploaded: number;
  httpMetadata: Record<string, string>;
  customMetadata: Record<string, string>;
}

export interface ListOptions {
  prefix?: string;
  delimiter?: string;
  cursor?: string;
  limit?: number;
}

export interface ListResult {
  objects: StoredHead[];
  delimitedPrefixes: string[];
  truncated: boolean;
  cursor?: string;
}

interface Env {
  BUCKETS: DurableObjectNamespace<R2BucketObject>;
}

interface Row {
  key: string;
  size: number;
  etag: string;
  uploaded: number;
  http_metadata: string;
  custom_metadata: string;
  [column: string]: SqlStorageValue;
}

const head = (row: Row): StoredHead => ({
  key: row.key,
  size: row.size,
  etag: row.etag,
  uploaded: row.uploaded,
  httpMetadata: JSON.parse(row.http_metadata) as Record<string, string>,
  customMetadata: JSON.parse(row.custom_metadata) as Record<string, string>,
});

const HEAD_COLUMNS = "key, size, etag, uploaded, http_metadata, custom_metadata";

export class R2BucketObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, body BLOB NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL, uploaded INTEGER NOT NULL, http_metadata TEXT NOT NULL, custom_metadata TEXT NOT NULL)",
    );
  }

  async put(key: string, body: ArrayBuffer, httpMetadata: Record<string, string>, customMetadata: Record<string, string>): Promise<StoredHead> {
    const digest = await crypto.subtle.digest("MD5", body);
    const etag = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    const row = {
      key,
      size: body.byteLength,
      etag,
      uploaded: Date.now(),
      http_metadata: JSON.stringify(httpMetadata),
      custom_metadata: JSON.stringify(customMetadata),
    };
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO objects (key, body, size, etag, uploaded, http_metadata, custom_metadata) VALUES (?, ?, ?, ?, ?, ?, ?)",
      key,
      body,
      row.size,
      etag,
      row.uploaded,
      row.http_metadata,
      row.custom_metadata,
    );
    return head(row);
  }

  get(key: string): { head: StoredHead; body: ArrayBuffer } | null {
    const row = this.ctx.storage.sql.exec<Row & { body: ArrayBuffer }>(`SELECT ${HEAD_COLUMNS}, body FROM objects WHERE key = ?`, key).toArray()[0];
    return row ? { head: head(row), body: row.body } : null;
  }

  head(key: string): StoredHead | null {
    const row = this.ctx.storage.sql.exec<Row>(`SELECT ${HEAD_COLUMNS} FROM objects WHERE key = ?`, key).toArray()[0];
    return row ? head(row) : null;
  }

  delete(keys: string[]): void {
    for (const key of keys) this.ctx.storage.sql.exec("DELETE FROM objects WHERE key = ?", key);
  }

  /** Keys in order after the cursor; with a delimiter, keys past the prefix that contain it roll up into one prefix each. */
  list(options: ListOptions): ListResult {
    const prefix = options.prefix ?? "";
    const limit = Math.min(Math.max(options.limit ?? 1000, 1), 1000);
    const rows = this.ctx.storage.sql
      .exec<Row>(`SELECT ${HEAD_COLUMNS} FROM objects WHERE key >= ? AND key > ? ORDER BY key`, prefix, options.cursor ?? "")
      .toArray()
      .filter((row) => row.key.startsWith(prefix));
    const objects: StoredHead[] = [];
    const prefixes = new Set<string>();
    let last: string | undefined;
    for (const row of rows) {
      if (objects.length + prefixes.size >= limit) return { objects, delimitedPrefixes: [...prefixes], truncated: true, cursor: last };
      const at = options.delimiter ? row.key.indexOf(options.delimiter, prefix.length) : -1;
      if (at >= 0) prefixes.add(row.key.slice(0, at + options.delimiter!.length));
      else objects.push(head(row));
      last = row.key;
    }
    return { objects, delimitedPrefixes: [...prefixes], truncated: false };
  }
}

/** The binding's store: ctx.props.bucket names the bucket (its Durable Object). */
export default class R2Entry extends WorkerEntrypoint<Env, { bucket: string }> {
  private bucket() {
    return this.env.BUCKETS.get(this.env.BUCKETS.idFromName(this.ctx.props.bucket));
  }
  put(key: string, body: ArrayBuffer, httpMetadata: Record<string, string>, customMetadata: Record<string, string>) {
    return this.bucket().put(key, body, httpMetadata, customMetadata);
  }
  get(key: string) {
    return this.bucket().get(key);
  }
  head(key: string) {
    return this.bucket().head(key);
  }
  delete(keys: string[]) {
    return this.bucket().delete(keys);
  }
  list(options: ListOptions) {
    return this.bucket().list(options);
  }
}
