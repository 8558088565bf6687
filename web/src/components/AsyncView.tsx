import type { ComponentChildren } from "preact";
import type { AsyncState } from "../hooks/useAsync";
import { ErrorAlert } from "./ErrorAlert";
import { Loading } from "./Loading";

/** Loading → spinner text, error → alert, ready → children(data). */
export function AsyncView<T>({ state, children }: { state: AsyncState<T>; children: (data: T) => ComponentChildren }) {
  if (state.status === "loading") return <Loading />;
  if (state.status === "error") return <ErrorAlert error={state.error} />;
  return <>{children(state.data)}</>;
}
