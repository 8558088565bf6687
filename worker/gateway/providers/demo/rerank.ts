// The demo provider's `rerank` model: documents scored by the share of the query's words they
// contain (with a small weight on how short they are), best first. Deterministic.
const wordsOf = (text: string): Set<string> => new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);

export interface RerankResult {
  index: number;
  relevance_score: number;
}

export function demoRerank(query: string, documents: string[], topN = documents.length): RerankResult[] {
  const wanted = wordsOf(query);
  const scored = documents.map((doc, index) => {
    const words = wordsOf(doc);
    const shared = [...wanted].filter((w) => words.has(w)).length;
    const coverage = wanted.size ? shared / wanted.size : 0;
    const focus = words.size ? shared / words.size : 0;
    return { index, relevance_score: Math.round((0.8 * coverage + 0.2 * focus) * 1e6) / 1e6 };
  });
  return scored.sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index).slice(0, Math.max(0, topN));
}
