const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** A random id with a readable prefix, e.g. `ten_4k2j…`: 16 chars of base36 ≈ 82 bits. */
export function newId(prefix: string, length = 16): string {
  return `${prefix}_${randomString(length)}`;
}

export function randomString(length: number, alphabet = ALPHABET): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  // 256 % 36 bias is < 1.6 %: acceptable for ids, not used for secrets' entropy accounting.
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

const TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A secret token: 43 chars over 62 symbols, ≈ 256 bits. */
export function randomSecret(length = 43): string {
  const out: string[] = [];
  while (out.length < length) {
    for (const b of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (b < 248 && out.length < length) out.push(TOKEN_ALPHABET[b % 62]!); // 248 = 4·62: unbiased
    }
  }
  return out.join("");
}
