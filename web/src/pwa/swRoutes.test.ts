import { describe, expect, it } from 'vitest';
import { strategyFor } from './swRoutes';

const ORIGIN = 'https://agg.example';
const at = (path: string, method = 'GET', mode: RequestMode = 'cors') => strategyFor(method, new URL(path, ORIGIN), mode, ORIGIN);

describe('service worker routing', () => {
  it('caches the last GET /api answers for offline use', () => {
    expect(at('/api/keys')).toBe('api');
    expect(at('/api/audit?limit=50')).toBe('api');
    expect(at('/api/auth/me')).toBe('api');
  });

  it('never caches sessions, mutations, the gateway or other origins', () => {
    expect(at('/api/auth/refresh')).toBe('network');
    expect(at('/api/auth/refresh', 'POST')).toBe('network');
    expect(at('/api/keys', 'POST')).toBe('network');
    expect(at('/v1/chat/completions', 'POST')).toBe('network');
    expect(at('/v1/models')).toBe('network');
    expect(at('/api/openapi.json')).toBe('network');
    expect(strategyFor('GET', new URL('https://cdn.example/x.js'), 'cors', ORIGIN)).toBe('network');
  });

  it('serves pages network-first (shell offline) and assets from the precache', () => {
    expect(at('/keys', 'GET', 'navigate')).toBe('page');
    expect(at('/assets/index-abc.js')).toBe('asset');
    expect(at('/sw.js')).toBe('network');
  });
});
