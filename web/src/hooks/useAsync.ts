import { useCallback, useEffect, useState } from "preact/hooks";

export type AsyncState<T> = { status: "loading" } | { status: "ready"; data: T } | { status: "error"; error: unknown };

export interface AsyncResult<T> {
  state: AsyncState<T>;
  /** Loads again (keeps showing the current data meanwhile). */
  reload: () => void;
  /** Local update after a mutation, without a round trip. */
  update: (change: (data: T) => T) => void;
}

/** Runs `load` on mount and whenever `deps` change; aborts the previous run. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[] = []): AsyncResult<T> {
  const [state, setState] = useState<AsyncState<T>>({ status: "loading" });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ status: "ready", data });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: "error", error });
      },
    );
    return () => controller.abort();
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const update = useCallback((change: (data: T) => T) => setState((s) => (s.status === "ready" ? { status: "ready", data: change(s.data) } : s)), []);
  return { state, reload, update };
}
