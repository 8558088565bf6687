import { useCallback, useState } from "preact/hooks";

export interface Action<A extends unknown[], R> {
  /** Resolves to the result, or undefined when it failed (the error is in `error`). */
  run: (...args: A) => Promise<R | undefined>;
  busy: boolean;
  error: unknown;
  reset: () => void;
}

/** A mutation with its busy flag and last error, for buttons and forms. */
export function useAction<A extends unknown[], R>(perform: (...args: A) => Promise<R>): Action<A, R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(
    async (...args: A) => {
      setBusy(true);
      setError(null);
      try {
        return await perform(...args);
      } catch (err) {
        setError(err);
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [perform],
  );
  const reset = useCallback(() => setError(null), []);
  return { run, busy, error, reset };
}
