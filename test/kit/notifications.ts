// Reading a tenant's alerts in tests: the list as it settles, and the SSE stream's frames.
import { expect } from "vitest";
import { call, json, type Member } from "./fixtures.ts";

export interface NotificationJson {
  id: string;
  seq: number;
  type: string;
  tenant_id: string;
  message: string;
  data: Record<string, number | string>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GET /api/notifications as the owner: newest first. */
export async function listNotifications(owner: Member): Promise<NotificationJson[]> {
  const res = await call("/api/notifications", { headers: owner.headers });
  expect(res.status).toBe(200);
  return (await json<{ data: NotificationJson[] }>(res)).data;
}

/** Waits until there are `n` notifications, then a little longer to be sure there are no more. */
export async function expectNotifications(owner: Member, n: number): Promise<NotificationJson[]> {
  let items = await listNotifications(owner);
  for (let i = 0; i < 50 && items.length < n; i++) {
    await sleep(20);
    items = await listNotifications(owner);
  }
  await sleep(50);
  items = await listNotifications(owner);
  expect(items).toHaveLength(n);
  return items;
}

/** Reads an SSE body until `pattern` matches the text so far (or the time is up). */
export async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, pattern: RegExp, ms = 3000): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + ms;
  while (!pattern.test(text) && Date.now() < deadline) {
    const next = await Promise.race([reader.read(), sleep(Math.max(1, deadline - Date.now())).then(() => null)]);
    if (!next || next.done) break;
    text += decoder.decode(next.value, { stream: true });
  }
  return text;
}
