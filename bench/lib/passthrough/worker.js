// The floor of the side-by-side benchmark (bench/side-by-side.mjs): a Worker that only forwards
// each request to the upstream named by the UPSTREAM text binding and hands the answer back as it
// comes (the body streamed through, not read). No auth, no limits, no books: what any gateway on
// this runtime pays at least.
export default {
  fetch(request, env) {
    const url = new URL(request.url);
    return fetch(new URL(url.pathname + url.search, env.UPSTREAM), {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
  },
};
