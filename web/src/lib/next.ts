/** Where to go after signing in: a same-origin path from ?next=, else the dashboard. */
export function nextPath(query: Record<string, string>): string {
  const next = query.next;
  return next?.startsWith("/") && !next.startsWith("//") ? next : "/dashboard";
}
