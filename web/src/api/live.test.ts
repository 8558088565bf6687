import { describe, expect, it } from "vitest";
import { hello, update } from "../test/socket";
import { parseLiveMessage } from "./live";

describe("live messages", () => {
  it("reads the greeting and the batched updates", () => {
    const greeting = parseLiveMessage(JSON.stringify(hello()));
    expect(greeting?.type).toBe("hello");
    const message = parseLiveMessage(JSON.stringify(update(3)));
    expect(message?.type).toBe("update");
    if (message?.type !== "update") throw new Error("not an update");
    expect(message.events).toBe(3);
    expect(message.delta.totals.requests).toBe(3);
    expect(message.delta.by_model["demo/echo"]?.cost_micros).toBe(3000);
    expect(message.minute.requests).toBe(3);
  });

  it("drops pongs, junk and shapes it does not know", () => {
    expect(parseLiveMessage("pong")).toBeNull();
    expect(parseLiveMessage("{")).toBeNull();
    expect(parseLiveMessage(JSON.stringify({ type: "update", at: "x" }))).toBeNull();
    expect(parseLiveMessage(JSON.stringify({ ...update(1), type: "other" }))).toBeNull();
    const bad = update(1);
    expect(parseLiveMessage(JSON.stringify({ ...bad, delta: { ...bad.delta, totals: { requests: "many" } } }))).toBeNull();
  });

  it("skips malformed entries of a breakdown but keeps the rest", () => {
    const message = update(2);
    const text = JSON.stringify({ ...message, delta: { ...message.delta, by_key: { good: message.delta.totals, bad: { requests: null } } } });
    const parsed = parseLiveMessage(text);
    if (parsed?.type !== "update") throw new Error("not an update");
    expect(Object.keys(parsed.delta.by_key)).toEqual(["good"]);
  });
});
