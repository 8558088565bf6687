/** A form field's text value ('' when absent). */
export const field = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
};

/** Optional whole number: '' → null, otherwise the integer or NaN when it is not one. */
export function optionalInt(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** A comma- or newline-separated list, trimmed, without empties or duplicates. */
export const splitList = (text: string): string[] => [
  ...new Set(
    text
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean),
  ),
];

export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
