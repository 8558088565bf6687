// One POST to a channel (a Slack webhook, a mail API) and how it went: sent; retry for what may
// pass (429, 5xx, network, timeout); failed for the rest. Never throws; redirects not followed.

export interface ChannelResult {
  outcome: "sent" | "retry" | "failed";
  status?: number;
  error?: string;
}

export interface PostOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export async function postJson(url: string, body: unknown, headers: Record<string, string>, options: PostOptions = {}): Promise<ChannelResult> {
  const send = options.fetch ?? fetch;
  try {
    const res = await send(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "AI-Aggregator-Alerts/1", ...headers },
      body: JSON.stringify(body),
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const detail = res.ok ? "" : (await res.text().catch(() => "")).slice(0, 200);
    if (res.ok) return { outcome: "sent", status: res.status };
    const retry = res.status === 429 || res.status >= 500;
    return { outcome: retry ? "retry" : "failed", status: res.status, error: `HTTP ${res.status}${detail ? `: ${detail}` : ""}` };
  } catch (error) {
    return { outcome: "retry", error: (error as { name?: string }).name === "TimeoutError" ? "timed out" : String(error).slice(0, 200) };
  }
}
