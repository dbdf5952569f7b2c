import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { routeMethods } from './method-not-allowed';

describe('routeMethods', () => {
  it('names the methods a path has routes for, parameters and all, and none for an unknown path', async () => {
    const server = Fastify();
    const allowed = routeMethods(server);
    server.get('/v1/documents/:id', async () => ({}));
    server.delete('/v1/documents/:id', async () => ({}));
    server.post('/v1/documents/:id/complete', async () => ({}));
    await server.ready();
    try {
      // Fastify adds HEAD for every GET.
      expect(allowed('/v1/documents/abc')).toEqual(['GET', 'HEAD', 'DELETE']);
      expect(allowed('/v1/documents/abc/complete')).toEqual(['POST']);
      expect(allowed('/v1/documents')).toEqual([]);
      expect(allowed('/elsewhere')).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
