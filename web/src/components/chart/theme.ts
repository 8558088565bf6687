// Canvas charts need real colours: resolve the CSS custom properties (which use light-dark())
// by letting the browser compute them on a probe element.
import type { ChartTheme } from "./uplotChart";

const LINE_VARS = ["--chart-1", "--chart-2", "--chart-3", "--chart-4", "--chart-5", "--chart-6"];

function resolve(host: HTMLElement, value: string): string {
  const probe = document.createElement("span");
  probe.style.color = value;
  probe.style.display = "none";
  host.appendChild(probe);
  const color = getComputedStyle(probe).color;
  probe.remove();
  return color || value;
}

/** `rgb(1, 2, 3)` → `rgba(1, 2, 3, alpha)`; other notations are returned as they are. */
export function withAlpha(color: string, alpha: number): string {
  const match = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(color);
  return match ? `rgba(${match[1]}, ${match[2]}, ${match[3]}, ${alpha})` : color;
}

export function chartTheme(host: HTMLElement): ChartTheme {
  const lines = LINE_VARS.map((name) => resolve(host, `var(${name})`));
  return {
    text: resolve(host, "var(--muted)"),
    grid: resolve(host, "var(--border)"),
    lines,
    fill: withAlpha(lines[0] ?? "rgb(67, 56, 202)", 0.15),
  };
}
