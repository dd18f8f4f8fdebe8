import { z } from 'zod';

/**
 * One catalogue of coded errors for both processes. Tests assert codes, never message text.
 * Over MQTT an error travels as `{ code, path, message }`; over REST with the catalogue's status.
 */
interface ErrorSpec {
  status: number;
  retry: boolean;
  message: string;
}

export const errorCatalogue = {
  SB_ERR_INVALID_MESSAGE: { status: 400, retry: false, message: 'message fails its schema' },
  SB_ERR_INVALID_CONFIG: { status: 400, retry: false, message: 'configuration fails its schema' },
  SB_ERR_INVALID_REQUEST: { status: 400, retry: false, message: 'request fails its schema' },
  SB_ERR_INVALID_ID: { status: 400, retry: false, message: 'identifier cannot be used in a topic' },
  SB_ERR_PAYLOAD_TOO_LARGE: { status: 413, retry: false, message: 'payload over the size limit' },
  SB_ERR_UNAUTHENTICATED: { status: 401, retry: false, message: 'credentials missing or wrong' },
  SB_ERR_FORBIDDEN: { status: 403, retry: false, message: 'not allowed for this identity' },
  SB_ERR_NOT_FOUND: { status: 404, retry: false, message: 'no such resource' },
  SB_ERR_CONFLICT: { status: 409, retry: false, message: 'conflicts with the current state' },
  SB_ERR_TOKEN_USED: { status: 401, retry: false, message: 'enrolment token already used' },
  SB_ERR_TOKEN_EXPIRED: { status: 401, retry: false, message: 'enrolment token expired' },
  SB_ERR_TOKEN_UNKNOWN: { status: 401, retry: false, message: 'enrolment token unknown' },
  SB_ERR_UNKNOWN_SERVICE: { status: 404, retry: false, message: 'no such queue service' },
  SB_ERR_UNKNOWN_COUNTER: { status: 404, retry: false, message: 'no such counter' },
  SB_ERR_COUNTER_CLOSED: { status: 409, retry: false, message: 'counter is not open' },
  SB_ERR_QUEUE_EMPTY: { status: 404, retry: true, message: 'no ticket waiting for this counter' },
  SB_ERR_STALE_PULL: { status: 409, retry: true, message: 'pull answer does not match the cursor' },
  SB_ERR_SOURCE_FAILED: { status: 503, retry: true, message: 'camera source failed' },
  SB_ERR_RATE_LIMITED: { status: 429, retry: true, message: 'too many attempts, try again later' },
  SB_ERR_UNAVAILABLE: { status: 503, retry: true, message: 'service unavailable' },
  SB_ERR_STORE_FULL: { status: 507, retry: true, message: 'the data folder is full' },
  SB_ERR_HARDWARE_MISSING: { status: 503, retry: false, message: 'device hardware not present' },
  SB_ERR_FIRMWARE_MISMATCH: { status: 409, retry: false, message: 'board runs the wrong firmware' },
  SB_ERR_PAPER_OUT: { status: 503, retry: true, message: 'printer is out of paper' },
  SB_ERR_DEVICE_FAULT: { status: 503, retry: true, message: 'device failed to do it' },
  SB_ERR_RELEASE_REFUSED: { status: 422, retry: false, message: 'release refused' },
  SB_ERR_CONFIRMATION_REQUIRED: {
    status: 409,
    retry: false,
    message: 'needs an explicit confirmation',
  },
  SB_ERR_OUT_OF_STOCK: { status: 409, retry: false, message: 'benefit out of stock' },
  SB_ERR_ALREADY_REDEEMED: { status: 409, retry: false, message: 'coupon already redeemed' },
  SB_ERR_NOT_COMBINABLE: { status: 409, retry: false, message: 'benefits cannot be combined' },
  SB_ERR_NOT_VALID_NOW: { status: 409, retry: false, message: 'benefit not valid at this time' },
  SB_ERR_LIMIT_REACHED: { status: 409, retry: false, message: 'per-customer limit reached' },
  SB_ERR_TIMEOUT: { status: 504, retry: true, message: 'no answer in time' },
  SB_ERR_INTERNAL: { status: 500, retry: true, message: 'internal error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCatalogue;

/** The wire shape of an error: what MQTT replies and REST responses carry. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  path?: string;
}

export class SmartBranchError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly path: string | undefined;

  constructor(code: ErrorCode, detail?: string, path?: string) {
    const spec = errorCatalogue[code];
    super(detail ? `${spec.message}: ${detail}` : spec.message);
    this.name = 'SmartBranchError';
    this.code = code;
    this.status = spec.status;
    this.retryable = spec.retry;
    this.path = path;
  }

  toBody(): ErrorBody {
    return this.path === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, path: this.path };
  }
}

export function isSmartBranchError(value: unknown): value is SmartBranchError {
  return value instanceof SmartBranchError;
}

// A bad value echoed back whole would make a 20 KB id a 20 KB error body.
const messageLimit = 200;

/** One zod issue in plain words, short whatever value it quotes. */
export function issueMessage(issue: z.core.$ZodIssue): string {
  // zod words a missing field "expected nonoptional, received undefined".
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
    return 'required';
  }

  const message = issue.message;
  return message.length > messageLimit ? `${message.slice(0, messageLimit)}…` : message;
}

/** The first issue of a failed check as a refused request, named by its field path. */
export function requestErrorOf(issues: readonly z.core.$ZodIssue[]): SmartBranchError {
  const issue = issues[0];
  // An unknown field is named by itself, not by the object that holds it.
  const extra = issue?.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [];
  const levels = [...(issue?.path ?? []), ...extra].map(String);
  const path = levels.length ? levels.join('.') : '(body)';
  const message = issue ? issueMessage(issue) : 'invalid';
  return new SmartBranchError('SB_ERR_INVALID_REQUEST', `${path}: ${message}`, path);
}

/** Any thrown value as a wire error, hiding internals of errors that are not ours. */
export function toErrorBody(value: unknown): ErrorBody {
  if (isSmartBranchError(value)) return value.toBody();
  return { code: 'SB_ERR_INTERNAL', message: errorCatalogue.SB_ERR_INTERNAL.message };
}

interface BodyParserError {
  type?: string;
  status?: number;
  body?: unknown;
}

/**
 * Any error a web request ran into as one of ours: a body parser's failure (express.json,
 * express.urlencoded) names the body, a static file's miss is not found, anything else not
 * ours is internal. Both processes' web servers answer through it.
 */
export function toRequestError(value: unknown): SmartBranchError {
  if (isSmartBranchError(value)) return value;
  // A schema checked inside a handler (after the route's own) still refuses the request.
  if (value instanceof z.ZodError) return requestErrorOf(value.issues);

  const parserError = (value ?? {}) as BodyParserError;
  if (parserError.type === 'entity.parse.failed') {
    return new SmartBranchError('SB_ERR_INVALID_REQUEST', notJsonReason(parserError), '(body)');
  }
  if (parserError.type === 'entity.too.large') {
    return new SmartBranchError('SB_ERR_PAYLOAD_TOO_LARGE', undefined, '(body)');
  }
  if (parserError.status === 404) return new SmartBranchError('SB_ERR_NOT_FOUND');
  if (parserError.status && parserError.status >= 400 && parserError.status < 500) {
    return new SmartBranchError(
      'SB_ERR_INVALID_REQUEST',
      parserError.type ?? 'bad request',
      '(body)',
    );
  }
  return new SmartBranchError('SB_ERR_INTERNAL');
}

/** A strict JSON parser also refuses valid JSON that is not an object or array (`null`). */
function notJsonReason(error: BodyParserError): string {
  if (typeof error.body !== 'string') return 'body is not JSON';
  try {
    JSON.parse(error.body);
    return 'body is JSON but not an object';
  } catch {
    return 'body is not JSON';
  }
}
