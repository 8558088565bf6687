import { signal } from "@preact/signals";

export type ToastTone = "info" | "success" | "warn" | "danger";

export interface Toast {
  id: string;
  tone: ToastTone;
  title: string;
  body?: string;
  /** A page to open about it. */
  href?: string;
  /** The link's words (default: open billing). */
  linkLabel?: string;
}

export const MAX_TOASTS = 4;
export const TOAST_TIMEOUT_MS = 12_000;

/** What is on screen, oldest first. */
export const toasts = signal<readonly Toast[]>([]);

const timers = new Map<string, ReturnType<typeof setTimeout>>();
let counter = 0;

export function dismissToast(id: string): void {
  clearTimeout(timers.get(id));
  timers.delete(id);
  toasts.value = toasts.value.filter((t) => t.id !== id);
}

/** Shows a toast (replacing one with the same id); it goes by itself after `timeoutMs` unless 0. */
export function showToast(toast: Omit<Toast, "id"> & { id?: string }, timeoutMs = TOAST_TIMEOUT_MS): string {
  const id = toast.id ?? `toast-${++counter}`;
  clearTimeout(timers.get(id));
  const next = [...toasts.value.filter((t) => t.id !== id), { ...toast, id }];
  for (const dropped of next.slice(0, Math.max(0, next.length - MAX_TOASTS))) clearTimeout(timers.get(dropped.id));
  toasts.value = next.slice(-MAX_TOASTS);
  if (timeoutMs > 0)
    timers.set(
      id,
      setTimeout(() => dismissToast(id), timeoutMs),
    );
  return id;
}

export function clearToasts(): void {
  for (const timer of timers.values()) clearTimeout(timer);
  timers.clear();
  toasts.value = [];
}
