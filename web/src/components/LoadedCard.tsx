import type { ComponentChildren } from "preact";
import { useAsync } from "../hooks/useAsync";
import { AsyncView } from "./AsyncView";

interface LoadedCardProps<T> {
  title: string;
  /** The heading's id, which names the card for assistive technology. */
  headingId: string;
  load: (signal: AbortSignal) => Promise<T>;
  /** The card's body once loaded; `replace` swaps in what a save answered. */
  children: (data: T, replace: (next: T) => void) => ComponentChildren;
}

/** A card that loads what it shows (a settings form, usually) and keeps what a save returns. */
export function LoadedCard<T>({ title, headingId, load, children }: LoadedCardProps<T>) {
  const { state, update } = useAsync(load);
  return (
    <section class="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      <AsyncView state={state}>{(data) => children(data, (next) => update(() => next))}</AsyncView>
    </section>
  );
}
