import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { runWithAwsTenantSource } from './aws.usage';

/** The caller as the auth guard leaves it on the request. */
interface AuthenticatedRequest {
  user?: { tenantId?: unknown };
}

/**
 * Attributes the AWS calls of an HTTP request to the caller's tenant (`request.user.tenantId`, set by the auth
 * guard), for the per-tenant usage log. A Fastify hook rather than a Nest interceptor: the tenant is read when an
 * AWS call is made, so the hook can run first, and a global interceptor would put every request through RxJS.
 */
@Injectable()
export class AwsTenantHook implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** Routes are registered but Fastify is not ready yet: a hook added now applies to every route. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.addHook('onRequest', (request, _reply, done) => {
      const caller = request as AuthenticatedRequest;
      runWithAwsTenantSource(() => {
        const tenantId = caller.user?.tenantId;
        return typeof tenantId === 'string' ? tenantId : undefined;
      }, done);
    });
  }
}
