// Rasterizes the app mark (web/public/icon.svg, a 512-unit square) into PNG icons, with
// distance-based anti-aliasing — Chromium's install prompt needs 192 and 512 px PNGs.
import { encodePng } from "./png.ts";

type Point = readonly [number, number];

const BACKGROUND: readonly [number, number, number] = [0x43, 0x38, 0xca];
const INK: readonly [number, number, number] = [0xff, 0xff, 0xff];
const STROKE_HALF_WIDTH = 14;
const DOT: Point = [376, 256];
const DOT_RADIUS = 36;

function cubic(p0: Point, p1: Point, p2: Point, p3: Point, steps = 32): Point[] {
  const out: Point[] = [];
  for (let i = 1; i <= steps; i++) {
    const t = i / steps;
    const u = 1 - t;
    out.push([
      u * u * u * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t * t * t * p3[0],
      u * u * u * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t * t * t * p3[1],
    ]);
  }
  return out;
}

/** The three strokes of icon.svg as polylines. */
const STROKES: Point[][] = [
  [[136, 152], [208, 152], ...cubic([208, 152], [248, 152], [256, 256], [296, 256]), [376, 256]],
  [
    [136, 256],
    [376, 256],
  ],
  [[136, 360], [208, 360], ...cubic([208, 360], [248, 360], [256, 256], [296, 256])],
];

const SEGMENTS: [Point, Point][] = STROKES.flatMap((line) => line.slice(1).map((p, i): [Point, Point] => [line[i]!, p]));

function segmentDistance(x: number, y: number, [a, b]: [Point, Point]): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const t = Math.max(0, Math.min(1, ((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(x - a[0] - t * dx, y - a[1] - t * dy);
}

/** Signed distance to the rounded square (negative inside). */
function roundedRectDistance(x: number, y: number, size = 512, radius = 112): number {
  const qx = Math.abs(x - size / 2) - (size / 2 - radius);
  const qy = Math.abs(y - size / 2) - (size / 2 - radius);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

function inkDistance(x: number, y: number): number {
  let best = Math.hypot(x - DOT[0], y - DOT[1]) - DOT_RADIUS;
  if (x < 110 || x > 420 || y < 120 || y > 390) return best;
  for (const segment of SEGMENTS) best = Math.min(best, segmentDistance(x, y, segment) - STROKE_HALF_WIDTH);
  return best;
}

const coverage = (distance: number, pixelsPerUnit: number) => Math.max(0, Math.min(1, 0.5 - distance * pixelsPerUnit));

/** `maskable`: the background fills the whole square (the platform applies its own mask). */
export function renderIcon(size: number, maskable = false): Buffer {
  const scale = size / 512;
  const rgba = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const x = (px + 0.5) / scale;
      const y = (py + 0.5) / scale;
      const bg = maskable ? 1 : coverage(roundedRectDistance(x, y), scale);
      const ink = bg === 0 ? 0 : coverage(inkDistance(x, y), scale);
      const i = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) rgba[i + c] = Math.round(BACKGROUND[c]! * (1 - ink) + INK[c]! * ink);
      rgba[i + 3] = Math.round(bg * 255);
    }
  }
  return encodePng(size, size, rgba);
}

export const ICONS = [
  { fileName: "icon-192.png", size: 192, maskable: false },
  { fileName: "icon-512.png", size: 512, maskable: false },
  { fileName: "icon-maskable-512.png", size: 512, maskable: true },
] as const;
