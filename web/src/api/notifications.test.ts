import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "./error";
import { openNotificationStream, parseNotification } from "./notifications";
import type { AppNotification } from "./types";
import { controlledStream, streamResponse } from "../test/stream";

const alert = (seq: number, type: AppNotification["type"] = "balance.low"): AppNotification => ({
  id: `ntf_${seq}`,
  seq,
  type,
  tenant_id: "ten_1",
  message: "The balance is $4.00, below the low-balance threshold of $5.00.",
  data: { balance_micros: 4_000_000, threshold_micros: 5_000_000 },
  created_at: "2026-11-24T10:00:00.000Z",
});
const frame = (n: AppNotification) => `id: ${n.seq}\nevent: notification\ndata: ${JSON.stringify(n)}\n\n`;
const flush = async () => {
  for (let i = 0; i < 50; i += 1) await Promise.resolve();
};

describe("notification stream", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("checks what it is given", () => {
    expect(parseNotification(JSON.stringify(alert(1)))).toEqual(alert(1));
    expect(parseNotification(JSON.stringify(alert(1, "provider.down")))).toEqual(alert(1, "provider.down"));
    expect(parseNotification(JSON.stringify(alert(1, "provider.recovered")))).toEqual(alert(1, "provider.recovered"));
    expect(parseNotification(JSON.stringify({ ...alert(1), type: "provider.exploded" }))).toBeNull();
    expect(parseNotification("nope")).toBeNull();
  });

  it("delivers each alert once and resumes after the last seq when the stream drops", async () => {
    const bodies = [controlledStream(), controlledStream()];
    const paths: string[] = [];
    const open = vi.fn(async (path: string) => {
      paths.push(path);
      const body = bodies[paths.length - 1];
      if (!body) throw new Error("no more");
      return streamResponse(body.stream);
    });
    const got: number[] = [];
    const stream = openNotificationStream({ onNotification: (n) => got.push(n.seq), afterSeq: 4, open, random: () => 0 });
    await flush();
    expect(paths).toEqual(["/api/notifications/stream?last_event_id=4"]);
    bodies[0]!.push(": notifications\n\n");
    bodies[0]!.push(frame(alert(5)));
    bodies[0]!.push(frame(alert(5)));
    bodies[0]!.push(frame(alert(6, "budget.threshold_crossed")));
    await flush();
    expect(got).toEqual([5, 6]);
    bodies[0]!.close();
    await flush();
    await vi.advanceTimersByTimeAsync(500);
    await flush();
    expect(paths[1]).toBe("/api/notifications/stream?last_event_id=6");
    bodies[1]!.push(frame(alert(7)));
    await flush();
    expect(got).toEqual([5, 6, 7]);
    stream.close();
  });

  it("stops for good on 403 (the role may not read billing)", async () => {
    const open = vi.fn(async () => {
      throw new ApiError(403, "permission_denied", "No.");
    });
    openNotificationStream({ onNotification: () => undefined, open });
    await flush();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(open).toHaveBeenCalledTimes(1);
  });
});
