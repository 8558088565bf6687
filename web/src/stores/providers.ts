import { computed, signal } from "@preact/signals";
import { call } from "../api/client";
import type { Provider } from "../api/types";

/** The providers visible to the tenant (platform and own); null until first loaded. */
export const providers = signal<readonly Provider[] | null>(null);
export const providersError = signal<unknown>(null);

let pending: Promise<void> | null = null;

export function loadProviders(force = false): Promise<void> {
  if (providers.value && !force) return Promise.resolve();
  pending ??= call("get", "/api/providers")
    .then(
      (answer) => {
        providers.value = answer.data;
        providersError.value = null;
      },
      (error: unknown) => {
        providersError.value = error;
      },
    )
    .finally(() => {
      pending = null;
    });
  return pending;
}

export function upsertProvider(provider: Provider): void {
  const list = providers.value ?? [];
  providers.value = list.some((p) => p.id === provider.id) ? list.map((p) => (p.id === provider.id ? provider : p)) : [...list, provider];
}

export function removeProvider(id: string): void {
  providers.value = (providers.value ?? []).filter((p) => p.id !== id);
}

export function resetProviders(): void {
  providers.value = null;
  providersError.value = null;
}

/** Every model the gateway can route to, as `<provider>/<model>`, from enabled providers. */
export const callableModels = computed<readonly string[]>(() =>
  (providers.value ?? []).filter((p) => p.enabled).flatMap((p) => p.models.map((m) => `${p.name}/${m}`)),
);
