// Memory of a process tree, from /proc (Linux): the resident set (VmRSS) of a process and all
// its descendants, sampled on a timer, with the peak kept. For `npm start` the tree is
// start.mjs → wrangler (node) → workerd (+ esbuild while it watches); for a Node gateway, one
// process.
import { readdirSync, readFileSync } from "node:fs";

/** pid → ppid for every process visible now. */
function parents() {
  const map = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      map.set(Number(name), Number(rest[1]));
    } catch {
      // gone meanwhile
    }
  }
  return map;
}

/** The pid and every descendant's pid. */
export function processTree(rootPid) {
  const map = parents();
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of map) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

/** { rssBytes, comm } of one process, or null when it is gone. */
export function processMemory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    const comm = /^Name:\s+(.*)$/m.exec(status);
    return { rssBytes: rss ? Number(rss[1]) * 1024 : 0, comm: comm ? comm[1] : "?" };
  } catch {
    return null;
  }
}

/** The tree's total RSS now, and each member's. */
export function treeMemory(rootPid) {
  const members = [];
  for (const pid of processTree(rootPid)) {
    const m = processMemory(pid);
    if (m) members.push({ pid, ...m });
  }
  return { rssBytes: members.reduce((s, m) => s + m.rssBytes, 0), members };
}

/**
 * Samples a tree every `intervalMs`. `peak()` is the highest total since the start (or the last
 * `mark()`, for per-point peaks: `mark()` returns the peak since the previous mark).
 */
export function rssSampler(rootPid, intervalMs = 200) {
  let overall = { rssBytes: 0, members: [] };
  let sincePoint = 0;
  const sample = () => {
    const now = treeMemory(rootPid);
    if (now.rssBytes > overall.rssBytes) overall = now;
    if (now.rssBytes > sincePoint) sincePoint = now.rssBytes;
    return now;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    peak: () => overall,
    mark: () => {
      sample();
      const peak = sincePoint;
      sincePoint = 0;
      return peak;
    },
    stop: () => clearInterval(timer),
  };
}
