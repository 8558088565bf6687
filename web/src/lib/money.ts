// Dollar amounts typed by people ↔ integer micro-dollars, without floating point.

const DOLLARS = /^\s*\$?\s*(\d{1,12})(?:[.,](\d{0,6}))?\s*$/;

/** "12.5" → 12_500_000; null for anything that is not a plain non-negative amount. */
export function parseDollarsToMicros(text: string): number | null {
  const match = DOLLARS.exec(text);
  if (!match) return null;
  const whole = match[1] ?? "0";
  const fraction = (match[2] ?? "").padEnd(6, "0");
  return Number(whole) * 1_000_000 + Number(fraction);
}

/** 12_500_000 → "12.5" (for an input's value). */
export function microsToDollars(micros: number): string {
  const whole = Math.trunc(micros / 1_000_000);
  const fraction = String(micros % 1_000_000)
    .padStart(6, "0")
    .replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : String(whole);
}
