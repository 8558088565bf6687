// The PWA keeps its own table of provider kinds (it cannot import Worker code): it must list
// exactly PROVIDER_KINDS, in the same order, and say what the descriptors say.
import { describe, expect, it } from "vitest";
import { KINDS, PROVIDER_KINDS as PWA_KINDS } from "../../../web/src/pages/providers/kinds.ts";
import { PROVIDER_KINDS } from "../../db/schema.ts";
import { PROVIDERS } from "./index.ts";

describe("the PWA's provider kinds", () => {
  it("are PROVIDER_KINDS, in order", () => {
    expect(PWA_KINDS).toEqual(PROVIDER_KINDS);
    expect(Object.keys(KINDS).sort()).toEqual([...PROVIDER_KINDS].sort());
  });

  it.each(PROVIDER_KINDS)("%s: same default base URL, key and base_url requirements", (kind) => {
    const { defaultBaseUrl, needsKey, needsBaseUrl } = PROVIDERS[kind];
    expect(KINDS[kind]).toEqual({ defaultBaseUrl, needsKey, needsBaseUrl });
  });
});
