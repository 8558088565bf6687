// Files and batches as OpenAI's API shows them, under our ids: the provider's ids never reach
// the tenant, so no id of another tenant's can be guessed from them or used against the provider.
import { type BatchFileRecord, type BatchRecord, findFileByUpstreamId } from "../../db/batches.ts";
import type { Db } from "../../db/client.ts";

const seconds = (ms: number) => Math.floor(ms / 1000);

export function fileView(file: BatchFileRecord) {
  return {
    id: file.id,
    object: "file" as const,
    bytes: file.bytes,
    created_at: seconds(file.createdAt),
    filename: file.filename,
    purpose: file.purpose,
    status: "processed" as const,
    expires_at: null,
    status_details: null,
  };
}

/** The provider's file id as ours (output and error files are registered when the batch ends); null when not yet known. */
async function ourFileId(db: Db, row: BatchRecord, upstreamId: unknown): Promise<string | null> {
  if (typeof upstreamId !== "string" || upstreamId === "") return null;
  return (await findFileByUpstreamId(db, row.tenantId, row.providerId, upstreamId))?.id ?? null;
}

export async function batchView(db: Db, row: BatchRecord) {
  const u = row.upstream;
  const count = (v: unknown) => (typeof v === "number" && Number.isSafeInteger(v) ? v : null);
  return {
    ...u,
    id: row.id,
    object: "batch" as const,
    endpoint: row.url,
    model: row.model,
    input_file_id: row.inputFileId,
    output_file_id: await ourFileId(db, row, u.output_file_id),
    error_file_id: await ourFileId(db, row, u.error_file_id),
    status: row.status,
    created_at: count(u.created_at) ?? seconds(row.createdAt),
    /** Ours: what the batch holds of the balance until it ends, and what it was charged once it did. */
    reserved_micros: row.reservedMicros,
    cost_micros: row.costMicros,
  };
}
