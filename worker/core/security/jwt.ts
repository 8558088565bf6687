// Access tokens: HS256 JWTs signed with JWT_SECRET through jose.
import { errors, jwtVerify, SignJWT } from "jose";
import { AppError } from "../errors.ts";
import { ROLES, type Role } from "../rbac.ts";

export const ISSUER = "ai-aggregator";
export const AUDIENCE = "ai-aggregator:api";
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

export interface AccessClaims {
  sub: string;
  tid: string;
  role: Role;
  op: boolean;
}

const keys = new Map<string, Uint8Array>();
function secretKey(secret: string): Uint8Array {
  if (!secret || secret.length < 32) throw new AppError("unavailable", "The server's JWT_SECRET is not configured.", { code: "not_configured" });
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = new TextEncoder().encode(secret)));
  return key;
}

export async function signAccessToken(secret: string, claims: AccessClaims): Promise<string> {
  return new SignJWT({ tid: claims.tid, role: claims.role, op: claims.op })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setJti(crypto.randomUUID())
    .setExpirationTime(`${ACCESS_TOKEN_TTL_SECONDS}s`)
    .sign(secretKey(secret));
}

const isRole = (value: unknown): value is Role => (ROLES as readonly unknown[]).includes(value);

export async function verifyAccessToken(secret: string, token: string): Promise<AccessClaims> {
  try {
    const { payload } = await jwtVerify(token, secretKey(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ["HS256"],
      requiredClaims: ["sub", "exp", "iat", "jti"],
    });
    const { sub, tid, role, op } = payload;
    if (typeof sub !== "string" || typeof tid !== "string" || !isRole(role) || typeof op !== "boolean") {
      throw new AppError("authentication", "The access token is malformed.", { code: "invalid_token" });
    }
    return { sub, tid, role, op };
  } catch (error) {
    if (error instanceof AppError) throw error;
    const expired = error instanceof errors.JWTExpired;
    throw new AppError("authentication", expired ? "The access token has expired." : "The access token is invalid.", {
      code: expired ? "token_expired" : "invalid_token",
    });
  }
}
