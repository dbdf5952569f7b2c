import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PinoLogger, Logger as PinoNestLogger } from 'nestjs-pino';
import pino, { type Bindings, type ChildLoggerOptions, type Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { HttpMetrics } from './http.metrics';
import { stdoutLines } from './stdout';
import { toXRayTraceId } from './xray-propagation';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Paths pino replaces with [Redacted]: credentials never reach the logs. */
export const REDACTED_PATHS = [
  'http.headers.authorization',
  'http.headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-amz-security-token"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'password',
  'token',
  'secret',
  '*.password',
  '*.token',
  '*.secret',
  '*.accessToken',
  '*.secretAccessKey',
  '*.sessionToken',
];

/** Headers worth an access-log line; everything else (bodies, query strings) stays out. */
const LOGGED_HEADERS = ['authorization', 'cookie', 'user-agent', 'x-forwarded-for', 'content-length'];
/** Logged only as present: the access-log line never holds their values. */
const CENSORED_HEADERS = new Set(['authorization', 'cookie']);
const CENSOR = '[Redacted]';

/** Honours a caller's sane X-Request-Id, otherwise mints one; the same id labels every log line. */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The one pino logger: Fastify's request logs and Nest's application logs both write through it. */
export function createRootLogger(
  config: Pick<AppConfig, 'logLevel'>,
  destination: pino.DestinationStream = stdoutLines(),
): Logger {
  return pino(
    {
      level: config.logLevel,
      redact: { paths: REDACTED_PATHS, censor: CENSOR },
      base: { service: 'navius' },
      mixin: lineFields,
    },
    destination,
  );
}

/** A request logger's request id, read by lineFields: see sampledChildLogger. */
const REQUEST_ID_OF = Symbol('navius.requestId');
type RequestLogger = Logger & { [REQUEST_ID_OF]?: string };

/**
 * The fields of every line: the request id of a request's logger, and the active span's ids, the trace id in X-Ray
 * form so CloudWatch Logs and X-Ray link up. A field the line itself carries wins.
 */
function lineFields(_line: object, _level: number, logger: RequestLogger): Record<string, string> {
  const fields: Record<string, string> = {};
  const requestId = logger[REQUEST_ID_OF];
  if (requestId !== undefined) fields.reqId = requestId;
  const span = trace.getActiveSpan()?.spanContext();
  if (span && isSpanContextValid(span)) {
    fields.trace_id = toXRayTraceId(span.traceId);
    fields.span_id = span.spanId;
  }
  return fields;
}

/**
 * Per-request child loggers; a LOG_DEBUG_SAMPLE_RATE share of requests logs at debug, so debug detail of
 * some requests is there without the cost of debug everywhere.
 *
 * The request id is held by the child and written by lineFields, not bound as a pino binding: the root logger's
 * wildcard redaction paths ran over every binding of every new child, ~2 KB of garbage per request for an id that
 * never holds a secret, while most requests log no line of their own.
 */
function sampledChildLogger(debugSampleRate: number) {
  return (logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger => {
    const { reqId, ...others } = bindings;
    const child: RequestLogger = (logger as Logger).child(
      others,
      debugSampleRate > 0 && Math.random() < debugSampleRate ? { ...options, level: 'debug' } : options,
    );
    if (typeof reqId === 'string') child[REQUEST_ID_OF] = reqId;
    return child;
  };
}

/**
 * Fastify's logging options for the service: the root logger, the access-log controller, sampled per-request child
 * loggers and request ids.
 */
export function fastifyLogging(root: Logger, debugSampleRate: number) {
  return {
    loggerInstance: root,
    logController: new AccessLogController(root),
    childLoggerFactory: sampledChildLogger(debugSampleRate),
    genReqId: requestIdOf,
  };
}

/** Each request's logger while it is served, for Nest's Logger (see useNestLogger). */
const requestLoggers = new AsyncLocalStorage<Logger>();

/**
 * Makes Nest's Logger (nestjs-pino's Logger over a PinoLogger) write a line logged while a request is served through
 * that request's logger (its request id, its sampled level), any other line through the root logger.
 *
 * Each request is served inside its logger's context by a Fastify hook rather than nestjs-pino's middleware, which
 * binds the same logger: on Fastify a Nest middleware runs through @fastify/middie and Nest's middleware layer,
 * about 1.9 KB more allocation per request (README, Logs).
 */
export function useNestLogger(app: NestFastifyApplication, root: Logger): void {
  class RequestPinoLogger extends PinoLogger {
    override get logger(): Logger {
      return requestLoggers.getStore() ?? root;
    }
  }
  app.useLogger(new PinoNestLogger(new RequestPinoLogger({ pinoHttp: { logger: root }, useExisting: true }), {}));
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, _reply, done) => requestLoggers.run(request.log as Logger, done));
}

/**
 * Fastify's request logging, reshaped: no "incoming request" line, one access-log line per answer at a level
 * that follows the status, with the route template and a few headers (credentials censored); probes skipped.
 *
 * The line is built here from chosen fields only, credentials censored as it is built, so it goes through a child
 * of the root logger without pino's redaction: redacting every line cloned it and was the largest allocation of a
 * request. A line carrying an error goes through the request's own (redacting) logger: an error may hold anything.
 */
class AccessLogController extends LogController {
  private readonly metrics = new HttpMetrics();
  private readonly lines: Logger;

  constructor(root: Logger) {
    super();
    this.lines = root.child({}, { redact: { paths: [] } });
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (request.url.startsWith('/health/')) return;
    const status = reply.statusCode;
    // Read once: Fastify builds a new routeOptions object on every read.
    const route = request.routeOptions.url;
    this.metrics.record(route, request.method, status, reply.elapsedTime);
    const headers: Record<string, string | string[]> = {};
    for (const name of LOGGED_HEADERS) {
      const value = request.headers[name];
      if (value !== undefined) headers[name] = CENSORED_HEADERS.has(name) ? CENSOR : value;
    }
    const http = {
      method: request.method,
      path: request.url.split('?')[0],
      route,
      status,
      headers,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
    };
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (error) request.log[level]({ http, err: error }, 'request completed');
    else this.lines[level]({ reqId: request.id, http }, 'request completed');
  }
}
