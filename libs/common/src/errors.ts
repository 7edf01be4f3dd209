/** Every domain failure the API can report; the exception filter maps each to an HTTP status. */
export enum ErrorCode {
  BadRequest = 'bad_request',
  Unauthorized = 'unauthorized',
  Forbidden = 'forbidden',
  NotFound = 'not_found',
  Conflict = 'conflict',
  PayloadTooLarge = 'payload_too_large',
  /** Well-formed JSON that breaks the schema, where upstream answers 422 (usage metrics). */
  Unprocessable = 'unprocessable',
  TooManyRequests = 'too_many_requests',
  Unavailable = 'unavailable',
}

/** A failure the client can act on; its message is sent as `{"message": ...}`. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new DomainError(ErrorCode.BadRequest, message);
export const unauthorized = (message: string) => new DomainError(ErrorCode.Unauthorized, message);
export const forbidden = (message: string) => new DomainError(ErrorCode.Forbidden, message);
export const notFound = (message: string) => new DomainError(ErrorCode.NotFound, message);
export const conflict = (message: string) => new DomainError(ErrorCode.Conflict, message);
export const unprocessable = (message: string) => new DomainError(ErrorCode.Unprocessable, message);
export const unavailable = (message: string) => new DomainError(ErrorCode.Unavailable, message);
