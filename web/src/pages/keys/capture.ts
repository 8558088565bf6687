import type { ApiKey } from "../../api/types";

/** What the request log keeps of a key's or a route's calls beyond the row (worker/api/keys.ts, routes.ts). */
export type CaptureMode = ApiKey["capture"];

export const CAPTURE_MODES: readonly CaptureMode[] = ["none", "metadata", "bodies"];

export const toCaptureMode = (value: string): CaptureMode => CAPTURE_MODES.find((m) => m === value) ?? "none";
