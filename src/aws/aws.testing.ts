import { randomUUID } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * Loopback stand-ins for the faults and services a real S3-compatible endpoint cannot produce on demand: a server
 * that never answers, an endpoint answering with chosen AWS errors, and an STS answering AssumeRole and
 * GetCallerIdentity. Test support only: credentials used against them are fixed fakes, never real ones.
 */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDTESTTESTTESTTEST', secretAccessKey: 'test-secret-not-real' };

export interface LoopbackServer {
  endpoint: string;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

/** Accepts TCP connections and never writes a byte: only a client timeout can end a call to it. */
export async function startSilentServer(): Promise<LoopbackServer & { connections(): number }> {
  let connections = 0;
  const server = createTcpServer(() => connections++);
  const sockets = trackSockets(server);
  const endpoint = await listen(server);
  return { endpoint, connections: () => connections, close: () => closeServer(server, sockets) };
}

/** One answer of the fault server. */
export interface LoopbackAnswer {
  status: number;
  /** AWS error code, sent as the S3-style XML error body. */
  code?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface FaultServer extends LoopbackServer {
  /** Requests received so far. */
  requests(): number;
  /** Method, path and headers of the last request. */
  lastRequest(): { method?: string; url?: string; headers: IncomingHttpHeaders } | undefined;
  /** Answers every following request with `answer` (default: 200, empty body). */
  answer(answer: LoopbackAnswer | ((request: IncomingMessage) => LoopbackAnswer)): void;
}

/** An S3-style endpoint answering with whatever status and AWS error code the test sets. */
export async function startFaultServer(): Promise<FaultServer> {
  let requests = 0;
  let last: { method?: string; url?: string; headers: IncomingHttpHeaders } | undefined;
  let next: (request: IncomingMessage) => LoopbackAnswer = () => ({ status: 200 });
  const server = createHttpServer((request, response) => {
    requests++;
    last = { method: request.method, url: request.url, headers: request.headers };
    request.resume();
    request.once('end', () => sendAnswer(response, next(request)));
  });
  const sockets = trackSockets(server);
  const endpoint = await listen(server);
  return {
    endpoint,
    requests: () => requests,
    lastRequest: () => last,
    answer: (answer) => (next = typeof answer === 'function' ? answer : () => answer),
    close: () => closeServer(server, sockets),
  };
}

function sendAnswer(response: ServerResponse, answer: LoopbackAnswer): void {
  const requestId = `req-${randomUUID()}`;
  const body =
    answer.body ??
    (answer.code
      ? `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${answer.code}</Code><Message>${answer.code} from the ` +
        `fault server</Message><RequestId>${requestId}</RequestId><HostId>host-1</HostId></Error>`
      : '');
  response.writeHead(answer.status, {
    'content-type': 'application/xml',
    'x-amz-request-id': requestId,
    'x-amz-id-2': 'host-1',
    ...answer.headers,
  });
  response.end(body);
}

/** The parameters of one AssumeRole call the loopback STS received. */
export interface AssumeRoleCall {
  roleArn?: string;
  roleSessionName?: string;
  externalId?: string;
  durationSeconds: number;
  at: number;
}

export interface LoopbackSts extends LoopbackServer {
  assumeRoleCalls: AssumeRoleCall[];
  callerIdentityCalls(): number;
  /** Answers the following calls with this AWS error (undefined: answer normally). */
  failWith(answer: LoopbackAnswer | undefined): void;
  /** Handles the following calls this many milliseconds after they arrive, as a slow STS does (0: at once). */
  delay(ms: number): void;
}

/**
 * STS on loopback (awsQuery protocol): AssumeRole returns fresh fake session credentials expiring after the
 * requested duration (by `Date.now()`, so a faked clock moves them too); GetCallerIdentity returns the account.
 */
export async function startLoopbackSts(accountId = '123456789012'): Promise<LoopbackSts> {
  const assumeRoleCalls: AssumeRoleCall[] = [];
  let callerIdentityCalls = 0;
  let failure: LoopbackAnswer | undefined;
  let delayMs = 0;
  const server = createHttpServer((request, response) => {
    let raw = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (raw += chunk));
    request.once('end', () => setTimeout(answer, delayMs));
    const answer = () => {
      if (failure) return sendStsError(response, failure);
      const form = new URLSearchParams(raw);
      const requestId = randomUUID();
      if (form.get('Action') === 'GetCallerIdentity') {
        callerIdentityCalls++;
        return sendXml(
          response,
          `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
            `<Arn>arn:aws:sts::${accountId}:assumed-role/navius/test</Arn><UserId>AROATEST:test</UserId>` +
            `<Account>${accountId}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}` +
            `</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
          requestId,
        );
      }
      const durationSeconds = Number(form.get('DurationSeconds') ?? 3600);
      const call: AssumeRoleCall = {
        roleArn: form.get('RoleArn') ?? undefined,
        roleSessionName: form.get('RoleSessionName') ?? undefined,
        externalId: form.get('ExternalId') ?? undefined,
        durationSeconds,
        at: Date.now(),
      };
      assumeRoleCalls.push(call);
      const n = assumeRoleCalls.length;
      const expiration = new Date(call.at + durationSeconds * 1000).toISOString();
      sendXml(
        response,
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>` +
          `<AccessKeyId>ASIATESTSESSION${n}</AccessKeyId><SecretAccessKey>session-secret-${n}</SecretAccessKey>` +
          `<SessionToken>session-token-${n}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
          `<AssumedRoleUser><AssumedRoleId>AROATEST:${call.roleSessionName}</AssumedRoleId>` +
          `<Arn>${call.roleArn}/${call.roleSessionName}</Arn></AssumedRoleUser></AssumeRoleResult>` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
        requestId,
      );
    };
  });
  const sockets = trackSockets(server);
  const endpoint = await listen(server);
  return {
    endpoint,
    assumeRoleCalls,
    callerIdentityCalls: () => callerIdentityCalls,
    failWith: (answer) => (failure = answer),
    delay: (ms) => (delayMs = ms),
    close: () => closeServer(server, sockets),
  };
}

function sendXml(response: ServerResponse, xml: string, requestId: string): void {
  response.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  response.end(xml);
}

function sendStsError(response: ServerResponse, answer: LoopbackAnswer): void {
  const requestId = randomUUID();
  response.writeHead(answer.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  response.end(
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>` +
      `<Code>${answer.code ?? 'InternalFailure'}</Code><Message>loopback failure</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`,
  );
}
