import { describe, expect, it } from "vitest";
import { cacheWritesIn, withCacheBreakpoints } from "./prompt-cache.ts";

const tools = [
  { name: "a", input_schema: { type: "object" } },
  { name: "b", input_schema: { type: "object" } },
];

describe("withCacheBreakpoints", () => {
  it("marks the last tool and the system prompt (a string becomes one block)", () => {
    const out = withCacheBreakpoints({ model: "m", system: "be brief", tools, messages: [{ role: "user", content: "hi" }] });
    expect(out.system).toEqual([{ type: "text", text: "be brief", cache_control: { type: "ephemeral" } }]);
    expect(out.tools).toEqual([tools[0], { ...tools[1], cache_control: { type: "ephemeral" } }]);
    expect(out.messages).toEqual([{ role: "user", content: "hi" }]);
  });

  it("marks the last block of a system list, and nothing when there is neither system nor tools", () => {
    const system = [
      { type: "text", text: "one" },
      { type: "text", text: "two" },
    ];
    expect(withCacheBreakpoints({ system }).system).toEqual([system[0], { ...system[1], cache_control: { type: "ephemeral" } }]);
    const bare = { messages: [{ role: "user", content: "hi" }] };
    expect(withCacheBreakpoints(bare)).toEqual(bare);
  });

  it("leaves a body that marks anything itself as it is", () => {
    const own = {
      system: "s",
      tools,
      messages: [{ role: "user", content: [{ type: "text", text: "long", cache_control: { type: "ephemeral", ttl: "1h" } }] }],
    };
    expect(withCacheBreakpoints(own)).toBe(own);
    const ownTool = { system: "s", tools: [{ ...tools[0], cache_control: { type: "ephemeral" } }] };
    expect(withCacheBreakpoints(ownTool)).toBe(ownTool);
    const inToolResult = {
      system: "s",
      messages: [
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "text", text: "x", cache_control: { type: "ephemeral" } }] }] },
      ],
    };
    expect(withCacheBreakpoints(inToolResult)).toBe(inToolResult);
  });

  it("finds the longest-lived write a body may cause, at any depth", () => {
    expect(cacheWritesIn({ messages: [{ content: "hi" }] }, false)).toBe("none");
    expect(cacheWritesIn({ messages: [{ content: "hi" }] }, true)).toBe("5m");
    expect(cacheWritesIn({ tools: [{ cache_control: { type: "ephemeral" } }] }, false)).toBe("5m");
    expect(
      cacheWritesIn(
        { system: [{ cache_control: { type: "ephemeral" } }], messages: [{ content: [{ cache_control: { type: "ephemeral", ttl: "1h" } }] }] },
        false,
      ),
    ).toBe("1h");
  });
});
