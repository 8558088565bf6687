// A tiny inline SVG line (no chart library): the dashboard's live figures.

export interface SparklineProps {
  values: readonly number[];
  /** Accessible description, e.g. "Requests per second, last 60 seconds". */
  label: string;
  width?: number;
  height?: number;
}

/** Polyline points scaled into the box; a flat line at the bottom when every value is 0. */
export function sparkPoints(values: readonly number[], width: number, height: number, pad = 2): string {
  if (values.length === 0) return "";
  const min = Math.min(0, ...values);
  const max = Math.max(...values);
  const range = max - min || 1;
  const stepX = values.length > 1 ? (width - 2 * pad) / (values.length - 1) : 0;
  return values
    .map((v, i) => {
      const x = pad + i * stepX;
      const y = height - pad - ((v - min) / range) * (height - 2 * pad);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ");
}

export function Sparkline({ values, label, width = 160, height = 40 }: SparklineProps) {
  const points = sparkPoints(values, width, height);
  return (
    <svg class="sparkline" viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={label} preserveAspectRatio="none">
      <polyline
        points={points}
        fill="none"
        stroke="currentColor"
        stroke-width="2"
        stroke-linejoin="round"
        stroke-linecap="round"
        vector-effect="non-scaling-stroke"
      />
    </svg>
  );
}
