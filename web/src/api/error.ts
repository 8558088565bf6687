/** Every failed API call surfaces as one of these. */
export class ApiError extends Error {
  /** HTTP status; 0 when no response was received. */
  readonly status: number;
  /** Machine-readable code from the server, or a client-side one (`network_error`, ...). */
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export const isApiError = (value: unknown): value is ApiError => value instanceof ApiError;
