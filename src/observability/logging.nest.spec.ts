import { Controller, Get, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccessLogController,
  createRootLogger,
  loggingModule,
  requestIdOf,
  sampledChildLogger,
} from './logging.module';

@Controller('things')
class ThingsController {
  private readonly logger = new Logger('Things');

  @Get()
  list(): { ok: boolean } {
    this.logger.log('listing things');
    return { ok: true };
  }
}

describe("Nest's Logger inside a request (nestjs-pino over Fastify's request logger)", () => {
  const lines: Record<string, unknown>[] = [];
  let app: NestFastifyApplication;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const root = createRootLogger({ logLevel: 'info' }, sink);
    @Module({ imports: [loggingModule(root)], controllers: [ThingsController] })
    class ThingsModule {}
    const adapter = new FastifyAdapter({
      loggerInstance: root,
      logController: new AccessLogController(root),
      childLoggerFactory: sampledChildLogger(0),
      genReqId: requestIdOf,
    });
    app = await NestFactory.create<NestFastifyApplication>(ThingsModule, adapter, { bufferLogs: true });
    app.useLogger(app.get(PinoNestLogger));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => app.close());

  it('writes the request id on the lines logged while serving the request', async () => {
    const response = await app.inject({ url: '/things', headers: { 'x-request-id': 'req-things-1' } });
    expect(response.statusCode).toBe(200);
    const line = lines.find((entry) => entry.msg === 'listing things');
    expect(line).toMatchObject({ context: 'Things', reqId: 'req-things-1' });
  });
});
