import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCode } from './errors';

/** The HTTP status of each domain error; `satisfies` makes an unmapped code a compile error. */
export const STATUS_OF = {
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.Unprocessable]: 422,
  [ErrorCode.TooManyRequests]: 429,
  [ErrorCode.Unavailable]: 503,
} satisfies Record<ErrorCode, number>;

/** The content type of every JSON reply, errors included. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** What is needed of a Fastify reply. */
export interface ReplyLike {
  code(status: number): ReplyLike;
  header(name: string, value: string): ReplyLike;
  send(body: unknown): unknown;
}

/** Errors raised by Fastify itself (body parsing, limits) carry a statusCode and a code. */
interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

export interface ErrorReply {
  status: number;
  body: { message: string };
}

const logger = new Logger('Errors');
const UNSUPPORTED_TYPE = 'unsupported content type: send application/json';
export const TOO_LARGE = 'request body too large';
/**
 * Fastify's own refusals reach the filter wrapped by Nest as HttpExceptions; these get the one
 * message each, whichever check refused (a body over its limit by its Content-Length, as it is
 * read, or once decoded) and as the edge answers them (deploy/nginx/lapi.conf).
 */
const MESSAGE_OF_STATUS: Partial<Record<number, string>> = { 413: TOO_LARGE, 415: UNSUPPORTED_TYPE };

/** Maps anything thrown while serving a request to a status and a `{"message"}` body. */
export function toErrorReply(error: unknown): ErrorReply {
  if (error instanceof DomainError) return { status: STATUS_OF[error.code], body: { message: error.message } };
  if (error instanceof HttpException) {
    const res = error.getResponse();
    const raw = typeof res === 'string' ? res : (res as { message?: unknown }).message;
    const message = Array.isArray(raw) ? raw.join(', ') : String(raw ?? error.message);
    const status = error.getStatus();
    return { status, body: { message: MESSAGE_OF_STATUS[status] ?? message } };
  }
  if (isDatabaseBusy(error)) return { status: 503, body: { message: 'database busy: no answer within the time limit (LAPI_DB_TIMEOUT), retry later' } };
  if (isUnavailable(error)) return { status: 503, body: { message: 'database or bus unavailable, retry later' } };
  const fe = error as FastifyLikeError;
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { message: fastifyMessage(fe) } };
  }
  const id = randomUUID();
  logger.error(`unexpected error ${id}: ${(error as Error)?.stack ?? String(error)}`);
  return { status: 500, body: { message: `internal error (id ${id})` } };
}

/** Connection-level failures (Postgres restarting, network cut): the client should retry, not give up. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08003', '08006']);

/** Time limits hit: statement or lock timeout, the embedded session's wait, a transaction left idle. */
const BUSY_CODES = new Set(['57014', '55P03', '25P03']);

function errorCode(error: unknown): string | undefined {
  const e = error as { code?: string; driverError?: { code?: string } };
  return e?.driverError?.code ?? e?.code;
}

function isDatabaseBusy(error: unknown): boolean {
  const code = errorCode(error);
  if (code && BUSY_CODES.has(code)) return true;
  return /timeout exceeded when trying to connect|Query read timeout/.test((error as Error)?.message ?? '');
}

/** Whether retrying later may succeed: the database or bus is down, slow or busy (answered with 503). */
export function isUnavailable(error: unknown): boolean {
  if (isDatabaseBusy(error)) return true;
  const code = errorCode(error);
  if (code && UNAVAILABLE_CODES.has(code)) return true;
  return /Connection terminated/.test((error as Error)?.message ?? '');
}

function fastifyMessage(e: FastifyLikeError): string {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return TOO_LARGE;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return UNSUPPORTED_TYPE;
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'empty JSON body';
    default:
      return e.message ?? 'bad request';
  }
}

/**
 * Answers with the error's status and `{"message"}` body: the one way an error is written, by
 * the exception filter (Nest's routes), the route hooks (a caller refused before the body is
 * read) and the bouncer routes (registered on Fastify itself).
 */
export function sendErrorReply(reply: ReplyLike, error: unknown): void {
  const { status, body } = toErrorReply(error);
  void reply.code(status).header('content-type', JSON_CONTENT_TYPE).send(body);
}

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    sendErrorReply(host.switchToHttp().getResponse<ReplyLike>(), error);
  }
}
