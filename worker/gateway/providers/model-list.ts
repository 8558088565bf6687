import * as z from "zod";

const modelList = z.object({ data: z.array(z.object({ id: z.string() })) });

/** The ids in an OpenAI-shaped model list (`{ data: [{ id }] }`), which Anthropic answers too. */
export const listedIds = (body: unknown): string[] | undefined => modelList.safeParse(body).data?.data.map((m) => m.id);
