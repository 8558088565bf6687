// Settings from wrangler.toml [vars] (always strings): read once, the same way everywhere.

/** A whole number: `fallback` when unset, blank, not a safe integer, or below `min`. */
export function intVar(value: string | undefined, fallback: number, min = 1): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isSafeInteger(n) && n >= min ? n : fallback;
}
