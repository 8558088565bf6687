/** Reconnection delays: 1 s, 2 s, 4 s … up to `max`, each with "equal jitter" (half fixed, half random). */
export function backoffDelay(attempt: number, { base = 1000, max = 30_000, random = Math.random } = {}): number {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
