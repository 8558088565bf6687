export { openAICompatibleDescriptor } from "./descriptor.ts";
