import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { problemType } from './problem.filter';

/** What an HTTP parser or server-timeout error carries. */
interface ConnectionError extends Error {
  code?: string;
}

const PROBLEMS: Record<string, { status: number; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, detail: 'The request did not arrive in full in time' },
  HPE_HEADER_OVERFLOW: { status: 431, detail: 'The request headers are larger than the service accepts' },
};
const MALFORMED = { status: 400, detail: 'The request is not well-formed HTTP' };

/**
 * Fastify's `clientErrorHandler`: an error before any request exists (malformed HTTP, headers over Node's limit, a
 * request not received within the request timeout) is answered as problem+json too, as every other 4xx is, where
 * Fastify's default answers plain JSON. It has no request, so no `instance`. The connection is then closed.
 */
export function answerClientError(error: ConnectionError, socket: Socket): void {
  // A reset or already-closed connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, detail } = PROBLEMS[error.code ?? ''] ?? MALFORMED;
  const title = STATUS_CODES[status] ?? 'Bad Request';
  const body = JSON.stringify({
    type: problemType(title),
    title,
    status,
    detail,
  });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
