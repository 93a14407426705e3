/** An error the emulated service reports to the client as `{ RequestId, HostId, Code, Message, Recommend }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra body fields, e.g. AccessDeniedDetail. */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function missingParameter(name: string): ApiError {
  return new ApiError(
    400,
    `MissingParameter.${name}`,
    `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
  );
}

export function invalidParameter(name: string, why: string): ApiError {
  return new ApiError(400, `InvalidParameter.${name}`, `The specified parameter "${name}" is not valid: ${why}`);
}
