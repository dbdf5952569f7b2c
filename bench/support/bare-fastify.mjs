// The baseline of `npm run bench`: bare Fastify answering the same JSON document from memory.
import Fastify from 'fastify';

const document = JSON.parse(process.env.BENCH_DOCUMENT ?? '{}');
const app = Fastify({ logger: false });
app.get('/v1/documents/:id', async () => document);
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`ready on http://127.0.0.1:${app.server.address().port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
