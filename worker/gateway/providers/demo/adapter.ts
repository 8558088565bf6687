import type { ProviderAdapter } from "../types.ts";
import { demoBatches } from "./batches.ts";
import { assertDemoCanAnswer, demoChat, demoChatStream } from "./chat.ts";
import { demoEmbed } from "./embed.ts";
import { demoMedia } from "./media.ts";

export const demoAdapter: ProviderAdapter = {
  native: null,
  chat: async (target, req) => demoChat(target.model, req),
  chatStream: async (target, req) => {
    assertDemoCanAnswer(req);
    return demoChatStream(target.model, req);
  },
  embed: async (target, req) => demoEmbed(target.model, typeof req.input === "string" ? [req.input] : req.input, req.dimensions),
  media: demoMedia,
  batches: demoBatches,
};
