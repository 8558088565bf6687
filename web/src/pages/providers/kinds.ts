import type { ProviderKind } from '../../api/types';

export const PROVIDER_KINDS: readonly ProviderKind[] = ['openai', 'anthropic', 'gemini', 'openai-compatible', 'demo'];

/** Kinds that cannot answer without an upstream API key. */
export const needsKey = (kind: ProviderKind): boolean => kind === 'openai' || kind === 'anthropic' || kind === 'gemini';

/** Kinds that have no default upstream address. */
export const needsBaseUrl = (kind: ProviderKind): boolean => kind === 'openai-compatible';
