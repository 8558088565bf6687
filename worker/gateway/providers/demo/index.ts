export { demoAdapter } from "./adapter.ts";
export { DEMO_MAX_OUTPUT_TOKENS, demoChat, demoChatStream } from "./chat.ts";
export { demoDescriptor } from "./descriptor.ts";
export { demoEmbed } from "./embed.ts";
export { DEMO_MODELS, type DemoModel, isDemoModel } from "./models.ts";
