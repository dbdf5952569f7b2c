import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import { AppModule } from './app.module';
import { routeMethods } from './common/method-not-allowed';
import type { AppConfig } from './config/app-config';
import { answerClientError } from './errors/client-errors';
import { ProblemFilter, sendProblem } from './errors/problem.filter';
import { ShutdownState } from './health/shutdown.state';
import type { LocalRuntime } from './local/local.runtime';
import { createRootLogger, fastifyLogging, useNestLogger } from './observability/logging.module';

export interface RunningApp {
  app: NestFastifyApplication;
  /** Closes the app, then the embedded runtime it used. */
  close(): Promise<void>;
}

/** Builds the whole service from one validated config; the caller decides when to listen. */
export async function createApp(config: AppConfig): Promise<RunningApp> {
  const local = config.profile === 'local' ? await startLocalRuntime(config) : undefined;
  try {
    const logger = createRootLogger(config);
    const setSecurityHeaders = securityHeaders(config.profile);
    const problemLogger = new NestLogger('ProblemFilter');
    const adapter = new FastifyAdapter({
      ...fastifyLogging(logger, config.telemetry.debugLogSampleRate),
      bodyLimit: config.http.bodyLimitBytes,
      // A client trickling its request in holds a connection and a parser for as long as it likes: Fastify turns
      // Node's request timeout off (0); the service keeps one, checked every second (Node's default: 30 s). Node
      // enforces it only when given to the server at creation, where it also caps the headers timeout.
      requestTimeout: config.http.requestTimeoutMs,
      http: {
        requestTimeout: config.http.requestTimeoutMs,
        connectionsCheckingInterval: Math.min(1_000, config.http.requestTimeoutMs),
      },
      clientErrorHandler: answerClientError,
      // A path the router cannot decode (`/%ff`) or with a parameter over its length limit (414): problem+json too,
      // where Fastify's default answers plain JSON. These answers skip every hook, so they get their headers here.
      frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
        setSecurityHeaders(request, reply);
        setAnswerHeaders(request, reply);
        sendProblem(error, request, reply, problemLogger);
      },
      trustProxy: config.profile === 'aws',
      // A request that reaches a closing server is served, not refused: drain already keeps new traffic away.
      return503OnClosing: false,
    });
    const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config, local), adapter, {
      bufferLogs: true,
    });
    useNestLogger(app, logger);
    const fastify = app.getHttpAdapter().getInstance();
    app.useGlobalFilters(new ProblemFilter(routeMethods(fastify)));
    if (local) new NestLogger('LocalRuntime').log(local.describe());
    fastify.addHook('onRequest', (request, reply, done) => {
      setSecurityHeaders(request, reply);
      done();
    });
    const shutdown = app.get(ShutdownState);
    fastify.addHook('onSend', (request, reply, payload, done) => {
      setAnswerHeaders(request, reply);
      // While draining, every answer closes its keep-alive connection so clients reconnect elsewhere.
      if (shutdown.draining) reply.header('connection', 'close');
      done(null, payload);
    });
    setUpOpenApi(app);
    await app.init();
    return {
      app,
      close: async () => {
        await app.close();
        await local?.stop();
      },
    };
  } catch (error) {
    await local?.stop();
    throw error;
  }
}

/**
 * The request id, and `Cache-Control: no-store`: answers carry personal data and presigned URLs (bearer credentials
 * until they expire), so no cache keeps them. Static files (Swagger UI) keep the caching they set.
 */
function setAnswerHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
}

/** Where Swagger UI's page and assets are served: the only HTML the service has. */
const DOCS_PATH = '/docs';

/**
 * Sets the security headers, from helmet, built once (@fastify/helmet builds its middleware anew on
 * every request). Every answer: `nosniff`, framing refused (X-Frame-Options and CSP `frame-ancestors`), no
 * referrer, same-origin resource policy, and HSTS in the aws profile only: the local profile serves plain http,
 * where RFC 6797 forbids it. API answers get OWASP's set for REST APIs, a CSP of `default-src 'none'`; Swagger UI's
 * pages get helmet's default CSP, which it runs under (upgrading its requests to https in aws only, for the same
 * reason). No legacy headers for browsers long gone: fewer bytes on every answer.
 */
export function securityHeaders(profile: AppConfig['profile']): (request: FastifyRequest, reply: FastifyReply) => void {
  const common = {
    frameguard: { action: 'deny' },
    strictTransportSecurity: profile === 'aws',
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  } as const;
  const api = helmet({
    ...common,
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
  });
  const page = helmet({
    ...common,
    contentSecurityPolicy: {
      directives: { frameAncestors: ["'none'"], upgradeInsecureRequests: profile === 'aws' ? [] : null },
    },
  });
  // helmet's middleware sets its headers and calls back at once.
  return (request, reply) => (request.url.startsWith(DOCS_PATH) ? page : api)(request.raw, reply.raw, () => undefined);
}

function setUpOpenApi(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Navius for AWS')
      .setDescription('Documents API guarded by Microsoft Entra ID access tokens. Errors are application/problem+json.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'entra')
      .build(),
  );
  SwaggerModule.setup(DOCS_PATH.slice(1), app, document, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
  });
}

/** The embedded stand-ins, loaded only in the local profile (PGlite, s3rver and the dev issuer stay out of aws). */
async function startLocalRuntime(config: AppConfig): Promise<LocalRuntime> {
  const { LocalRuntime } = await import('./local/local.runtime.js');
  return LocalRuntime.start(config);
}
