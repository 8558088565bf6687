// Memory and CPU time of a process tree, from /proc (Linux): the resident set (VmRSS) of a process
// and all its descendants, sampled on a timer, with the peak kept; and the CPU time (user +
// system) the tree has used, read before and after a stretch of load. For `npm start` the tree is
// start.mjs (node, Miniflare) → workerd; for a Node gateway, one process.
import { spawnSync } from "node:child_process";
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

/** /proc/<pid>/stat's fields after comm (field 3, state, is [0]), or null when it is gone. */
function statFields(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
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

let ticksPerSecond = null;
/** The kernel's clock ticks per second (the unit of /proc's CPU times): getconf CLK_TCK, else 100. */
function clockTicks() {
  if (ticksPerSecond === null) {
    const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
    const n = Number(r.stdout?.trim());
    ticksPerSecond = Number.isInteger(n) && n > 0 ? n : 100;
  }
  return ticksPerSecond;
}

/**
 * CPU seconds the tree has used so far: utime + stime of every living member (all its threads),
 * plus cutime + cstime (the CPU of its children that have exited and been reaped), so that a
 * difference of two readings also counts a child that ended in between.
 */
export function treeCpuSeconds(rootPid) {
  let ticks = 0;
  for (const pid of processTree(rootPid)) {
    const f = statFields(pid);
    // Fields 14–17 of stat: utime, stime, cutime, cstime (here at 11–14: [0] is field 3).
    if (f) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  }
  return ticks / clockTicks();
}

/**
 * CPU of a tree over a stretch: `start()` reads it, `stop()` returns the seconds used since. The
 * resolution is one clock tick (10 ms at CLK_TCK=100) per process: measure stretches of seconds.
 */
export function cpuMeter(rootPid) {
  let from = null;
  return {
    start: () => {
      from = treeCpuSeconds(rootPid);
    },
    stop: () => {
      if (from === null) return NaN;
      const used = treeCpuSeconds(rootPid) - from;
      from = null;
      return used;
    },
  };
}
