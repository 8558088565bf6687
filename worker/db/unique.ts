import type { AppError } from "../core/errors.ts";

/** Whether a D1 write failed on a UNIQUE index or primary key, however deep drizzle wrapped it in `cause`. */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (/UNIQUE constraint failed|PRIMARY KEY constraint failed|SQLITE_CONSTRAINT_(?:UNIQUE|PRIMARYKEY)/i.test(e.message)) return true;
  }
  return false;
}

/**
 * Runs a write that a uniqueness check has cleared; if a concurrent write took the name in
 * between, the answer is the same 409 as the check's, not a 500.
 */
export async function conflictOnDuplicate<T>(write: Promise<T>, conflict: () => AppError): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict();
    throw error;
  }
}
