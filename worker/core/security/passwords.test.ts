import { describe, expect, it } from "vitest";
import { DUMMY_PASSWORD_HASH, PBKDF2_ITERATIONS, hashPassword, verifyPassword } from "./passwords.ts";

describe("passwords", () => {
  it("hashes with a fresh salt and verifies", async () => {
    const a = await hashPassword("s3cret");
    const b = await hashPassword("s3cret");
    expect(a).not.toBe(b);
    expect(a.startsWith(`pbkdf2-sha256$${PBKDF2_ITERATIONS}$`)).toBe(true);
    expect(await verifyPassword("s3cret", a)).toBe(true);
    expect(await verifyPassword("s3cret!", a)).toBe(false);
  });

  it("never verifies against the dummy hash or a malformed one", async () => {
    expect(await verifyPassword("", DUMMY_PASSWORD_HASH)).toBe(false);
    expect(await verifyPassword("x", "plaintext")).toBe(false);
    expect(await verifyPassword("x", "pbkdf2-sha256$abc$AA==$AA==")).toBe(false);
  });
});
