// The demo provider's `moderation` model: OpenAI's categories, each flagged by a few words, so
// tests and the playground see both answers. Deterministic; not a real classifier.
export const MODERATION_CATEGORIES = [
  "harassment",
  "harassment/threatening",
  "hate",
  "hate/threatening",
  "illicit",
  "illicit/violent",
  "self-harm",
  "self-harm/intent",
  "self-harm/instructions",
  "sexual",
  "sexual/minors",
  "violence",
  "violence/graphic",
] as const;
type Category = (typeof MODERATION_CATEGORIES)[number];

export interface ModerationResult {
  flagged: boolean;
  categories: Record<Category, boolean>;
  category_scores: Record<Category, number>;
  category_applied_input_types: Record<Category, ["text"]>;
}

const WORDS: Partial<Record<Category, readonly string[]>> = {
  harassment: ["idiot", "loser"],
  "harassment/threatening": ["threaten"],
  hate: ["hate"],
  illicit: ["steal", "counterfeit"],
  "illicit/violent": ["bomb"],
  "self-harm": ["self-harm"],
  violence: ["kill", "attack", "murder"],
  "violence/graphic": ["gore"],
};

export function demoModerate(inputs: string[]): ModerationResult[] {
  return inputs.map((input) => {
    const words = new Set(input.toLowerCase().match(/[\p{L}-]+/gu) ?? []);
    const hit = (c: Category) => (WORDS[c] ?? []).some((w) => words.has(w));
    const categories = Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, hit(c)])) as Record<Category, boolean>;
    const category_scores = Object.fromEntries(MODERATION_CATEGORIES.map((c, i) => [c, categories[c] ? 0.9 : (i + 1) / 10_000])) as Record<Category, number>;
    const category_applied_input_types = Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, ["text"]])) as Record<Category, ["text"]>;
    return { flagged: Object.values(categories).some(Boolean), categories, category_scores, category_applied_input_types };
  });
}
