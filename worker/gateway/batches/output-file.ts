// A batch's output file read for what its lines used: each line is a response the provider
// served (its body as the endpoint answers, usage included); lines that failed carry none.
import { type Usage, emptyUsage, usageFromOpenAI, usageFromResponses } from "../types.ts";
import type { OpenAIUsage } from "../formats/openai.ts";
import type { ResponsesUsage } from "../formats/responses.ts";
import { addUsage } from "./price.ts";

interface OutputLine {
  response?: { status_code?: number; body?: { usage?: unknown } | null } | null;
}

function lineUsage(line: OutputLine, url: string): Usage | null {
  const usage = line.response?.body?.usage;
  if (typeof usage !== "object" || usage === null) return null;
  return url === "/v1/responses" ? usageFromResponses(usage as Partial<ResponsesUsage>) : usageFromOpenAI(usage as OpenAIUsage);
}

/** The summed usage of every line that reports one, how many lines there were, and how many were not JSON. */
export function outputUsage(text: string, url: string): { usage: Usage; lines: number; unreadable: number } {
  let usage = emptyUsage();
  let lines = 0;
  let unreadable = 0;
  for (const raw of text.split("\n")) {
    if (raw.trim() === "") continue;
    lines += 1;
    let line: OutputLine;
    try {
      line = JSON.parse(raw) as OutputLine;
    } catch {
      unreadable += 1;
      continue;
    }
    const used = typeof line === "object" && line !== null ? lineUsage(line, url) : null;
    if (used) usage = addUsage(usage, used);
  }
  return { usage, lines, unreadable };
}
