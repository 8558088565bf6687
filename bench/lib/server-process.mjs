// A benchmarked server as a child process: started detached in its own process group, its last
// 64 KiB of output kept for error reports, stopped with TERM then KILL.
import { spawn } from "node:child_process";
import { connect } from "node:net";

const portOpen = (port) =>
  new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

/**
 * Spawns a server detached (its own process group) and waits until it is ready: `ready(output)`
 * true, else `readyText` in its output, else its port accepting connections. `register` gets
 * { stop, kill } at once, so the caller can stop it even while it starts. Resolves to
 * { pid, port, origin, output(), outputBytes(), stop(), kill }.
 */
export async function spawnServer(options) {
  const { name, command, args, cwd, env, port, readyText, ready, register = () => {}, timeoutMs = 60_000, stopTimeoutMs = 5_000, onStop = () => {} } = options;
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  // Keep reading (a full pipe would block the server), keep the last 64 KiB for error reports.
  let output = "";
  let bytes = 0;
  const keep = (d) => {
    bytes += d.length;
    output += d.toString();
    if (output.length > 65_536) output = output.slice(-65_536);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const signalGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // gone
    }
  };
  let stopping = null;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        signalGroup("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, stopTimeoutMs))]);
      }
      signalGroup("SIGKILL"); // leftovers, if any
      onStop();
    })());
  const kill = () => {
    signalGroup("SIGKILL");
    onStop();
  };
  register({ stop, kill });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}):\n${output}`);
    if (ready ? await ready(output) : readyText ? output.includes(readyText) : await portOpen(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} was not ready within ${timeoutMs / 1000}s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name, port, origin: `http://127.0.0.1:${port}`, pid: child.pid, output: () => output, outputBytes: () => bytes, stop, kill };
}
