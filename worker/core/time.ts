// The API speaks ISO 8601; the database stores epoch milliseconds.
export const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
