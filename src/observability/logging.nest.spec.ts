import { Controller, Get, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectedLines } from '../../test/support/log-lines';
import { createRootLogger, fastifyLogging, useNestLogger } from './logging.module';

@Controller('things')
class ThingsController {
  private readonly logger = new Logger('Things');

  @Get()
  async list(): Promise<{ ok: boolean }> {
    this.logger.debug('looking for things');
    // Across an await: the request's context must survive it.
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.logger.log('listing things');
    return { ok: true };
  }
}

/** The service's wiring (app.factory.ts) on a small app: Nest's Logger over Fastify's per-request loggers. */
async function appLogging(
  debugSampleRate: number,
): Promise<{ app: NestFastifyApplication; lines: Record<string, unknown>[] }> {
  const { sink, lines } = collectedLines();
  const root = createRootLogger({ logLevel: 'info' }, sink);
  @Module({ controllers: [ThingsController] })
  class ThingsModule {}
  const adapter = new FastifyAdapter(fastifyLogging(root, debugSampleRate));
  const app = await NestFactory.create<NestFastifyApplication>(ThingsModule, adapter, { bufferLogs: true });
  useNestLogger(app, root);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, lines };
}

describe("Nest's Logger inside a request (Fastify's request logger, bound by a hook)", () => {
  const apps: NestFastifyApplication[] = [];
  afterAll(async () => Promise.all(apps.map((app) => app.close())));

  let plain: Awaited<ReturnType<typeof appLogging>>;
  beforeAll(async () => {
    plain = await appLogging(0);
    apps.push(plain.app);
  });

  it('writes the request id on the lines logged while serving the request, across awaits', async () => {
    const [one, two] = await Promise.all([
      plain.app.inject({ url: '/things', headers: { 'x-request-id': 'req-things-1' } }),
      plain.app.inject({ url: '/things', headers: { 'x-request-id': 'req-things-2' } }),
    ]);
    expect([one.statusCode, two.statusCode]).toEqual([200, 200]);
    const listed = plain.lines.filter((entry) => entry.msg === 'listing things');
    expect(listed.map((entry) => entry.reqId).sort()).toEqual(['req-things-1', 'req-things-2']);
    expect(listed[0]).toMatchObject({ context: 'Things' });
    // The root logger's level holds: no debug line without sampling.
    expect(plain.lines.some((entry) => entry.msg === 'looking for things')).toBe(false);
  });

  it('writes lines logged outside any request through the root logger, without a request id', () => {
    const startup = plain.lines.find((entry) => entry.context === 'RoutesResolver');
    expect(startup).toBeDefined();
    expect(startup).not.toHaveProperty('reqId');
  });

  it("logs a sampled request's debug lines", async () => {
    const sampled = await appLogging(1);
    apps.push(sampled.app);
    await sampled.app.inject({ url: '/things', headers: { 'x-request-id': 'req-debug-1' } });
    expect(sampled.lines.find((entry) => entry.msg === 'looking for things')).toMatchObject({ reqId: 'req-debug-1' });
  });
});
