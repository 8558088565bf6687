import type { Provider, ProviderCreateBody, ProviderKind, ProviderUpdateBody } from "../../api/types";
import type { MessageKey } from "../../i18n";
import { splitList } from "../../lib/form";
import { needsBaseUrl, PROVIDER_KINDS } from "./kinds";

// Mirrors worker/api/providers.ts.
export const PROVIDER_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const MODEL_ID = /^[\x21-\x7e]{1,256}$/;

export interface ProviderFormValues {
  name: string;
  kind: string;
  baseUrl: string;
  apiKey: string;
  removeKey: boolean;
  models: string;
  weight: string;
  enabled: boolean;
  scope: "tenant" | "platform";
}

export type ProviderField = "name" | "kind" | "baseUrl" | "apiKey" | "models" | "weight";
export type ProviderErrors = Partial<Record<ProviderField, MessageKey>>;

export const emptyProviderForm = (): ProviderFormValues => ({
  name: "",
  kind: "openai",
  baseUrl: "",
  apiKey: "",
  removeKey: false,
  models: "",
  weight: "1",
  enabled: true,
  scope: "tenant",
});

export const providerFormFrom = (p: Provider): ProviderFormValues => ({
  name: p.name,
  kind: p.kind,
  baseUrl: p.base_url ?? "",
  apiKey: "",
  removeKey: false,
  models: p.models.join("\n"),
  weight: String(p.weight),
  enabled: p.enabled,
  scope: p.scope,
});

const isKind = (value: string): value is ProviderKind => PROVIDER_KINDS.some((k) => k === value);

function validUrl(text: string): boolean {
  if (text.length > 2048 || /[?#]/.test(text)) return false;
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

export function validateProvider(v: ProviderFormValues): ProviderErrors {
  const errors: ProviderErrors = {};
  if (!PROVIDER_NAME.test(v.name)) errors.name = "providers.form.nameInvalid";
  if (!isKind(v.kind)) errors.kind = "validation.required";
  const baseUrl = v.baseUrl.trim();
  if (baseUrl && !validUrl(baseUrl)) errors.baseUrl = "providers.form.urlInvalid";
  if (!baseUrl && isKind(v.kind) && needsBaseUrl(v.kind)) errors.baseUrl = "providers.form.urlRequired";
  if (v.apiKey.trim().length > 4096) errors.apiKey = "validation.tooLong";
  const models = splitList(v.models);
  if (models.length > 1000 || models.some((m) => !MODEL_ID.test(m))) errors.models = "providers.form.modelsInvalid";
  const weight = Number(v.weight);
  if (!/^\d+$/.test(v.weight.trim()) || weight > 1000) errors.weight = "providers.form.weightInvalid";
  return errors;
}

export function createBody(v: ProviderFormValues): ProviderCreateBody {
  const body: ProviderCreateBody = {
    name: v.name,
    kind: v.kind as ProviderKind,
    models: splitList(v.models),
    weight: Number(v.weight),
    enabled: v.enabled,
    scope: v.scope,
  };
  if (v.baseUrl.trim()) body.base_url = v.baseUrl.trim();
  if (v.apiKey.trim()) body.api_key = v.apiKey.trim();
  return body;
}

/** Everything but the key is sent as shown; the key only when typed (rotate) or removed. */
export function updateBody(v: ProviderFormValues): ProviderUpdateBody {
  const body: ProviderUpdateBody = {
    name: v.name,
    kind: v.kind as ProviderKind,
    base_url: v.baseUrl.trim() || null,
    models: splitList(v.models),
    weight: Number(v.weight),
    enabled: v.enabled,
  };
  if (v.removeKey) body.api_key = null;
  else if (v.apiKey.trim()) body.api_key = v.apiKey.trim();
  return body;
}
