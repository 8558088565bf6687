// Gate shards: a tenant above what one object serves (~1,000 req/s) gets N gates. Shard 0, the
// "bank", holds the balance and writes the ledger for credits; shards 1…N−1 admit calls against
// credit leased from the bank in chunks and report what they spent. The bank never leases more
// than it has available, so no combination of shards can overspend; limits are split so their
// sum is the tenant's limit.

/** The Durable Object name of a tenant's shard; shard 0 keeps the single-gate name. */
export function shardName(tenantId: string, shard: number): string {
  return shard === 0 ? tenantId : `${tenantId}#${shard}`;
}

/** Which shard serves a request: a stable hash of its id, so retries land on the same one. */
export function shardFor(requestId: string, shards: number): number {
  if (shards <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < requestId.length; i++) h = Math.imul(h ^ requestId.charCodeAt(i), 0x01000193) >>> 0;
  return h % shards;
}

/** This shard's part of a tenant-wide limit: the parts add up to the limit exactly. */
export function shareOf(limit: number | null, shard: number, shards: number): number | null {
  if (limit === null || shards <= 1) return limit;
  return Math.floor(limit / shards) + (shard < limit % shards ? 1 : 0);
}

/** How much credit a shard asks for at a time: enough for many calls, at most a fair share. */
export const LEASE_CHUNK_MICROS = 1_000_000;

export interface LeaseRequest {
  shard: number;
  /** The least the shard needs now. */
  neededMicros: number;
}

export interface UsageReport {
  shard: number;
  /** Increases with every report of a shard: a repeated report is applied once. */
  seq: number;
  spentMicros: number;
  /** Lease handed back unused (e.g. when the shard idles). */
  returnedMicros: number;
}
