import { isNumber, isObject, isString } from './guards';
import type { LoginResponse, MeResponse, Tenant, User } from './types';

export function parseUser(value: unknown): User | null {
  if (!isObject(value)) return null;
  const { id, email, name, role, tenant_id } = value;
  if (!isString(id) || !isString(email) || !isString(name) || !isString(role) || !isString(tenant_id)) {
    return null;
  }
  return { id, email, name, role, tenant_id };
}

export function parseTenant(value: unknown): Tenant | null {
  if (!isObject(value)) return null;
  const { id, name } = value;
  return isString(id) && isString(name) ? { id, name } : null;
}

export function parseLoginResponse(value: unknown): LoginResponse | null {
  if (!isObject(value)) return null;
  const { access_token, token_type, expires_in } = value;
  const user = parseUser(value['user']);
  if (!isString(access_token) || access_token === '' || !isString(token_type) || !isNumber(expires_in) || !user) {
    return null;
  }
  return { access_token, token_type, expires_in, user };
}

export function parseMeResponse(value: unknown): MeResponse | null {
  if (!isObject(value)) return null;
  const user = parseUser(value['user']);
  const tenant = parseTenant(value['tenant']);
  return user && tenant ? { user, tenant } : null;
}
