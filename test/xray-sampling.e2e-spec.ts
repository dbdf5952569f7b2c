import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CLIENT_ID } from '../src/config/app-config';
import { signLocalToken } from '../src/local/local-issuer';
import { call } from './support/app';
import { startOtlpSink, startTracedService } from './support/otlp';
import type { ServiceProcess } from './support/process';
import { waitFor } from './support/services';

const ANY = { ServiceName: '*', ServiceType: '*', Host: '*', ResourceARN: '*', Version: 1, Attributes: {} };

/**
 * The X-Ray sampling API as the ADOT collector's awsproxy extension serves it on :2000 (GetSamplingRules,
 * SamplingTargets), answering with rules set here: what an operator sets in the X-Ray console.
 */
async function startSamplingApi(rules: object[]): Promise<{ url: string; calls: string[]; server: Server }> {
  const calls: string[] = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      calls.push(request.url ?? '');
      const body =
        request.url === '/GetSamplingRules'
          ? { SamplingRuleRecords: rules.map((SamplingRule) => ({ SamplingRule })) }
          : { SamplingTargetDocuments: [], UnprocessedStatistics: [], LastRuleModification: 0 };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, server };
}

describe('X-Ray centralized sampling (OTEL_TRACES_SAMPLER=xray)', () => {
  let sink: Awaited<ReturnType<typeof startOtlpSink>>;
  let api: Awaited<ReturnType<typeof startSamplingApi>>;
  let traced: Awaited<ReturnType<typeof startTracedService>> | undefined;
  let service: ServiceProcess;

  beforeAll(async () => {
    sink = await startOtlpSink();
    // Every document read is traced; nothing else is (no reservoir, no fixed rate).
    api = await startSamplingApi([
      {
        ...ANY,
        RuleName: 'documents-reads',
        Priority: 1,
        HTTPMethod: 'GET',
        URLPath: '/v1/documents/*',
        FixedRate: 1,
        ReservoirSize: 0,
      },
      { ...ANY, RuleName: 'Default', Priority: 10000, HTTPMethod: '*', URLPath: '*', FixedRate: 0, ReservoirSize: 0 },
    ]);
    traced = await startTracedService(sink.url, { OTEL_TRACES_SAMPLER: 'xray', XRAY_SAMPLING_ENDPOINT: api.url });
    service = traced.service;
  });

  afterAll(async () => {
    await traced?.destroy();
    api?.server.close();
    sink?.server.close();
  });

  it('traces what the X-Ray rules select and nothing else', async () => {
    await waitFor(async () => api.calls.includes('/GetSamplingRules'), 'the sampler to fetch its rules');
    // The rules are applied when their answer has been read.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const token = await signLocalToken({
      dataDir: traced!.dataDir,
      clientId: LOCAL_CLIENT_ID,
      roles: ['Documents.Read'],
    });
    const missing = randomUUID();
    for (let i = 0; i < 3; i += 1) {
      expect((await call(`${service.url}/v1/documents/${missing}`, { token })).status).toBe(404);
      expect((await call(`${service.url}/v1/me`, { token })).status).toBe(200);
    }
    await waitFor(async () => sink.spans.filter((span) => span.kind === 2).length >= 3, 'the sampled request spans');
    // The batch processor has flushed the sampled spans; anything of /v1/me would have been in the same batches.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const serverSpans = sink.spans.filter((span) => span.kind === 2).map((span) => span.name);
    expect(serverSpans).toEqual(Array(3).fill('GET /v1/documents/:id'));
  });
});
