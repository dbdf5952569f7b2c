import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freshDatabase, tempDir } from './app';
import { startProcess, type ServiceProcess } from './process';

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}

/** A loopback OTLP/HTTP (JSON) receiver: what the ADOT collector sidecar is to the service. */
export async function startOtlpSink(): Promise<{ url: string; spans: OtlpSpan[]; server: Server }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const payload = JSON.parse(body) as {
          resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
        };
        for (const resource of payload.resourceSpans)
          for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

/**
 * The built service on a fresh database and data directory, exporting its traces as OTLP/JSON to `sinkUrl`, with
 * `env` on top: what the tracing specs run against.
 */
export async function startTracedService(sinkUrl: string, env: Record<string, string>) {
  const [database, dir] = await Promise.all([freshDatabase(), tempDir()]);
  const service: ServiceProcess = await startProcess({
    LOCAL_DATA_DIR: dir.path,
    DATABASE_URL: database.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: `traced-${randomUUID()}:`,
    OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    ...env,
  });
  return {
    service,
    dataDir: dir.path,
    /** Stops the service (if still running) and removes its database and directory. */
    destroy: async () => {
      if (service.child.exitCode === null) service.child.kill('SIGTERM');
      await service.exited;
      await database.drop();
      await dir.remove();
    },
  };
}
