// A call's detail for the request log (core/request-detail.ts): where the time went and each
// attempt, from what the pipeline noted as it ran; with capture on, the headers sent upstream.
import type { AttemptDetail, CaptureMode, RequestDetail } from "../core/request-detail.ts";
import type { TenantObservability } from "../db/catalog.ts";
import type { AttemptRecord } from "./attempts.ts";

/** What the pipeline notes as a call runs, for its detail and its trace. */
export interface CallMarks {
  startedAt: number;
  admissionStartedAt?: number;
  admittedAt?: number;
  ttfbMs?: number;
  capture: CaptureMode;
  /** Headers sent upstream by attempt span id, credentials already redacted; only with capture on. */
  sentHeaders?: Map<string, Record<string, string>>;
  cache?: RequestDetail["cache"];
  /** The tenant's redaction rules and trace collector. */
  observability?: TenantObservability;
}

export function requestDetail(marks: CallMarks, attempts: AttemptRecord[], endedAt: number, spanId: string | undefined): RequestDetail {
  const admissionStart = marks.admissionStartedAt ?? endedAt;
  return {
    timings: {
      queueMs: admissionStart - marks.startedAt,
      admissionMs: marks.admittedAt !== undefined ? marks.admittedAt - admissionStart : 0,
      ttfbMs: marks.ttfbMs ?? null,
      totalMs: endedAt - marks.startedAt,
    },
    attempts: attempts.map((a) => attemptDetail(a, marks)),
    ...(marks.cache ? { cache: marks.cache } : {}),
    ...(marks.capture !== "none" ? { capture: marks.capture } : {}),
    ...(spanId ? { spanId } : {}),
  };
}

function attemptDetail(a: AttemptRecord, marks: CallMarks): AttemptDetail {
  const headers = marks.sentHeaders?.get(a.spanId);
  return {
    target: a.target,
    provider: a.provider,
    outcome: a.outcome,
    startMs: a.startedAt - marks.startedAt,
    ms: a.ms,
    spanId: a.spanId,
    ...(headers ? { headers } : {}),
  };
}
