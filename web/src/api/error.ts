/** Every failed API call surfaces as one of these. */
export class ApiError extends Error {
  /** HTTP status; 0 when no response was received. */
  readonly status: number;
  /** Machine-readable code from the server, or a client-side one (`network_error`, ...). */
  readonly code: string;
  /** Any other fields of the error object, e.g. `param`, or `current` and `diff` on a rollback 409. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const isApiError = (value: unknown): value is ApiError => value instanceof ApiError;
