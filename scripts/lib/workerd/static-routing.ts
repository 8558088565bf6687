// Cloudflare's static routing for `npm start` on bare workerd (scripts/lib/serve.mjs), inside the
// app's own Worker: a path run_worker_first lists goes to the app, any other path to the ASSETS
// binding (a file, else the SPA shell), as Cloudflare routes them before the Worker would run.
// It costs a /v1 call one match on its path, not a hop. Only for local serving: the deployed
// Worker is the bundle alone.

interface StaticRouting {
  /** Globs (`*` matches anything) of the paths the app answers (`run_worker_first`)… */
  user_worker: string[];
  /** …unless one of these (`!`-prefixed entries there) matches first. */
  asset_worker?: string[];
}

const matcher = (globs: readonly string[]) => {
  if (globs.length === 0) return () => false;
  const re = new RegExp(`^(?:${globs.map((glob) => glob.split("*").map(escapeRegExp).join(".*")).join("|")})$`);
  return (path: string) => re.test(path);
};
const escapeRegExp = (text: string) => text.replace(/[-/\\^$*+?.()|[\]{}]/g, "\\$&");

/** The app's default export, its fetch() behind the routing; `binding` names the asset server in env. */
export function withStaticRouting<Env>(app: ExportedHandler<Env>, routing: StaticRouting, binding: string): ExportedHandler<Env> {
  const toAssets = matcher(routing.asset_worker ?? []);
  const toApp = matcher(routing.user_worker);
  const appFetch = app.fetch!.bind(app);
  return {
    fetch(request, env, ctx) {
      const path = new URL(request.url).pathname;
      if (!toAssets(path) && toApp(path)) return appFetch(request, env, ctx);
      return (env as Record<string, Fetcher>)[binding]!.fetch(request);
    },
  };
}
