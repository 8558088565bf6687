import { describe, expect, it } from 'vitest';
import { parseDiagnostics } from './diagnosticsReport';
import { diagnosticsBody, providerHealth } from './fixtures';

describe('reading GET /api/diagnostics', () => {
  it('keeps the documented fields', () => {
    const report = parseDiagnostics(diagnosticsBody());
    expect(report.build.id).toBe('build-42');
    expect(Object.keys(report.checks)).toEqual(['d1', 'tenantGate', 'analyticsHub']);
    expect(report.gate).toEqual({ billingEnabled: true, openReservations: 1, unflushedEntries: 3 });
    expect(report.providers.map((p) => p.circuit)).toEqual(['closed', 'open', 'half-open']);
    expect(report.recent_errors[1]).toEqual({
      request_id: 'req_upstream_2',
      at: '2026-03-01T10:15:30.000Z',
      status: 502,
      error_type: 'upstream_error',
      model: 'openai/gpt-4o',
      provider: 'openai',
    });
  });

  it('drops what it cannot read rather than showing it wrong', () => {
    const report = parseDiagnostics({
      checks: { d1: { ok: 'yes' }, tenantGate: { ok: false, ms: 9 } },
      gate: 'down',
      providers: [providerHealth({ latency_ms: { 'demo/echo': 'fast', 'demo/lorem': 7 } }), { name: 'no id' }],
      recent_errors: [{ request_id: 'req_1' }, { request_id: 'req_2', status: 500 }],
    });
    expect(report.checks).toEqual({ tenantGate: { ok: false, ms: 9 } });
    expect(report.gate).toBeNull();
    expect(report.providers).toHaveLength(1);
    expect(report.providers[0]?.latency_ms).toEqual({ 'demo/lorem': 7 });
    expect(report.recent_errors.map((e) => e.request_id)).toEqual(['req_2']);
    expect(parseDiagnostics(null).providers).toEqual([]);
  });
});
