// The framework reference of `npm run bench`: NestJS on Fastify answering the same JSON document from memory, with
// nothing else (no guard, pipe, interceptor, logger or telemetry): what the framework alone costs over bare Fastify.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

const document = JSON.parse(process.env.BENCH_DOCUMENT ?? '{}');

class DocumentsController {
  get() {
    return document;
  }
}
// Decorators applied as functions: this file runs as plain JavaScript.
Get(':id')(DocumentsController.prototype, 'get', Object.getOwnPropertyDescriptor(DocumentsController.prototype, 'get'));
Controller('v1/documents')(DocumentsController);
class BenchModule {}
Module({ controllers: [DocumentsController] })(BenchModule);

const app = await NestFactory.create(BenchModule, new FastifyAdapter(), { logger: false });
await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.stdout.write(`ready on ${await app.getUrl()}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
