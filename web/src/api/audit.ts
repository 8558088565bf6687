// /api/audit answers without a documented schema (see worker/api/audit.ts: no `response` in
// its endpoint specs), so these shapes are written by hand and checked at runtime instead of
// trusted.
import { call } from './client';
import { isObject, isString, stringOrNull } from './guards';
import type { BodyOf, Operation } from './types';

export const ENTITY_TYPES = ['api_key', 'provider', 'price', 'route', 'tenant', 'membership', 'invitation'] as const;
export const AUDIT_ACTIONS = ['create', 'update', 'delete', 'revoke', 'rollback'] as const;

export type Row = Record<string, unknown>;

export interface FieldDiff {
  field: string;
  before: unknown;
  after: unknown;
}

export interface AuditEntry {
  id: string;
  tenant_id: string | null;
  actor_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  before: Row | null;
  after: Row | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  rollback_of: string | null;
  created_at: string | null;
  /** Only on GET /api/audit/:id. */
  diff?: FieldDiff[];
}

export interface AuditPage {
  data: AuditEntry[];
  next_cursor: string | null;
}

export interface RollbackResult {
  audit_id: string;
  entity_type: string;
  entity_id: string;
  restored: Row | null;
}

/** The body of a 409 rollback_conflict: what the entity looks like now, and how it differs. */
export interface RollbackConflict {
  current: Row | null;
  diff: FieldDiff[];
}

export type AuditQuery = NonNullable<Operation<'/api/audit', 'get'>['query']>;

const rowOrNull = (value: unknown): Row | null => (isObject(value) ? value : null);

export function parseDiff(value: unknown): FieldDiff[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).flatMap((d) => (isString(d['field']) ? [{ field: d['field'], before: d['before'] ?? null, after: d['after'] ?? null }] : []));
}

export function parseEntry(value: unknown): AuditEntry | null {
  if (!isObject(value) || !isString(value['id']) || !isString(value['action']) || !isString(value['entity_type'])) return null;
  const entry: AuditEntry = {
    id: value['id'],
    tenant_id: stringOrNull(value['tenant_id']),
    actor_id: stringOrNull(value['actor_id']),
    action: value['action'],
    entity_type: value['entity_type'],
    entity_id: String(value['entity_id'] ?? ''),
    before: rowOrNull(value['before']),
    after: rowOrNull(value['after']),
    ip: stringOrNull(value['ip']),
    user_agent: stringOrNull(value['user_agent']),
    request_id: stringOrNull(value['request_id']),
    rollback_of: stringOrNull(value['rollback_of']),
    created_at: stringOrNull(value['created_at']),
  };
  if ('diff' in value) entry.diff = parseDiff(value['diff']);
  return entry;
}

export function parseConflict(details: Readonly<Record<string, unknown>>): RollbackConflict {
  return { current: rowOrNull(details['current']), diff: parseDiff(details['diff']) };
}

export async function listAudit(query: AuditQuery, signal?: AbortSignal): Promise<AuditPage> {
  const answer = await call('get', '/api/audit', signal ? { query, signal } : { query });
  const data = isObject(answer) && Array.isArray(answer['data']) ? answer['data'] : [];
  return {
    data: data.map(parseEntry).filter((e): e is AuditEntry => e !== null),
    next_cursor: isObject(answer) ? stringOrNull(answer['next_cursor']) : null,
  };
}

export async function getAuditEntry(id: string, signal?: AbortSignal): Promise<AuditEntry> {
  const entry = parseEntry(await call('get', '/api/audit/{id}', signal ? { path: { id }, signal } : { path: { id } }));
  if (!entry) throw new Error('unexpected audit entry');
  return entry;
}

export async function rollback(id: string, force: boolean): Promise<RollbackResult> {
  const body: BodyOf<'/api/audit/{id}/rollback', 'post'> = { force };
  const answer = await call('post', '/api/audit/{id}/rollback', { path: { id }, body });
  return {
    audit_id: isObject(answer) && isString(answer['audit_id']) ? answer['audit_id'] : '',
    entity_type: isObject(answer) && isString(answer['entity_type']) ? answer['entity_type'] : '',
    entity_id: isObject(answer) && isString(answer['entity_id']) ? answer['entity_id'] : '',
    restored: isObject(answer) ? rowOrNull(answer['restored']) : null,
  };
}
