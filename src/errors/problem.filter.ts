import { ArgumentsHost, Catch, HttpException, Logger, NotFoundException, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { DomainError, MethodNotAllowedError } from './domain-errors';

/** RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  [extension: string]: unknown;
}

const PROBLEM_BASE = 'https://navius.dev/problems/';

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

function isFastifyClientError(error: unknown): error is FastifyLikeError & { statusCode: number } {
  const status = (error as FastifyLikeError | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** The problem type URI of a title: `https://navius.dev/problems/<title, slugged>`. */
export function problemType(title: string): string {
  return PROBLEM_BASE + title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/**
 * The one exception filter: every error leaves as application/problem+json. Given `allowedMethods` (the methods a
 * path has routes for), a path the service knows, asked with another method, is a 405 with `Allow`, not a 404.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  constructor(private readonly allowedMethods?: (path: string) => string[]) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    sendProblem(this.unrouted(error, request), request, http.getResponse<FastifyReply>(), this.logger);
  }

  private unrouted(error: unknown, request: FastifyRequest): unknown {
    if (!this.allowedMethods || !(error instanceof NotFoundException) || !request.is404) return error;
    const allowed = this.allowedMethods(request.url.split('?')[0] ?? request.url);
    return allowed.length > 0 ? new MethodNotAllowedError(request.method, allowed) : error;
  }
}

/** Sends any error as problem+json; also Fastify's own error handler, for errors raised before Nest routes. */
export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply, logger: Logger): void {
  const { problem, headers } = toProblem(error, request);
  if (problem.status >= 500 && problem.status !== 503) {
    logger.error({ err: error, requestId: request.id }, `${problem.status} ${request.method} ${problem.instance}`);
  }
  void reply.status(problem.status).headers(headers).type('application/problem+json').send(problem);
}

function toProblem(error: unknown, request: FastifyRequest): { problem: Problem; headers: Record<string, string> } {
  const instance = request.url.split('?')[0] ?? request.url;
  if (error instanceof DomainError) {
    return {
      problem: {
        type: problemType(error.title),
        title: error.title,
        status: error.status,
        detail: error.message,
        instance,
        ...error.extensions(),
      },
      headers: error.headers(),
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const title = STATUS_CODES[status] ?? 'Error';
    const detail = status === 404 ? `No route for ${request.method} ${instance}` : error.message;
    const body = error.getResponse();
    // Terminus reports each dependency's state; keep it for operators reading a failed readiness.
    const checks = typeof body === 'object' && body !== null && 'details' in body ? { checks: body.details } : {};
    const headers: Record<string, string> = status === 503 ? { 'retry-after': '5' } : {};
    return { problem: { type: problemType(title), title, status, detail, instance, ...checks }, headers };
  }
  if (isFastifyClientError(error)) {
    // Fastify's own client errors: malformed JSON, body over the limit, unsupported media type.
    const status = error.statusCode;
    const title = STATUS_CODES[status] ?? 'Bad request';
    const detail =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'The request body is larger than the service accepts'
        : (error.message ?? title);
    return { problem: { type: problemType(title), title, status, detail, instance }, headers: {} };
  }
  return {
    problem: {
      type: PROBLEM_BASE + 'internal-error',
      title: 'Internal server error',
      status: 500,
      detail: 'An unexpected error occurred; it has been logged',
      instance,
    },
    headers: {},
  };
}
