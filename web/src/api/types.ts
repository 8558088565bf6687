// Named shapes of the API, all derived from the generated schema (schema.d.ts).
import type { Paths } from './schema';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The documented paths that support `M`. */
export type PathFor<M extends Method> = {
  [P in keyof Paths]: M extends keyof Paths[P] ? P : never;
}[keyof Paths];

export type Operation<P extends keyof Paths, M extends Method> = M extends keyof Paths[P] ? Paths[P][M] : never;
export type ResponseOf<P extends keyof Paths, M extends Method> = Operation<P, M> extends { response: infer R } ? R : never;
export type BodyOf<P extends keyof Paths, M extends Method> = Operation<P, M> extends { body: infer B } ? B : never;

type Item<T> = T extends { data: (infer I)[] } ? I : never;

export type TokenResponse = ResponseOf<'/api/auth/login', 'post'>;
export type User = TokenResponse['user'];
export type MeResponse = ResponseOf<'/api/auth/me', 'get'>;
export type Tenant = MeResponse['tenant'];
export type TenantMembership = MeResponse['tenants'][number];
export type RegisterBody = BodyOf<'/api/auth/register', 'post'>;
export type AcceptInvitationBody = BodyOf<'/api/auth/accept-invitation', 'post'>;

export type Member = Item<ResponseOf<'/api/users', 'get'>>;
export type Invitation = Item<ResponseOf<'/api/users/invitations', 'get'>>;
export type CreatedInvitation = ResponseOf<'/api/users/invitations', 'post'>;
export type Role = Member['role'];

export type ApiKey = ResponseOf<'/api/keys/{id}', 'get'>;
export type CreatedApiKey = ResponseOf<'/api/keys', 'post'>;
export type KeyCreateBody = BodyOf<'/api/keys', 'post'>;
export type KeyUpdateBody = BodyOf<'/api/keys/{id}', 'patch'>;

export type Provider = ResponseOf<'/api/providers/{id}', 'get'>;
export type ProviderKind = Provider['kind'];
export type ProviderCreateBody = BodyOf<'/api/providers', 'post'>;
export type ProviderUpdateBody = BodyOf<'/api/providers/{id}', 'patch'>;
export type ProviderTestResult = ResponseOf<'/api/providers/{id}/test', 'post'>;

export type Price = ResponseOf<'/api/prices/{id}', 'get'>;

export type RouteAlias = ResponseOf<'/api/routes/{id}', 'get'>;
export type RouteStrategy = RouteAlias['strategy'];
export type RouteTarget = RouteAlias['targets'][number];
export type RouteCreateBody = BodyOf<'/api/routes', 'post'>;
export type RouteUpdateBody = BodyOf<'/api/routes/{id}', 'patch'>;

export type TenantSettings = ResponseOf<'/api/tenant', 'get'>;
export type TenantUpdateBody = BodyOf<'/api/tenant', 'patch'>;
