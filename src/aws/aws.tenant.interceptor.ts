import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import { runWithAwsTenant } from './aws.usage';

/**
 * Attributes the AWS calls of an authenticated request to the caller's tenant (`request.user.tenantId`, set by
 * the auth guard, which runs before interceptors), for the per-tenant usage log.
 */
@Injectable()
export class AwsTenantInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const tenantId = context.switchToHttp().getRequest<{ user?: { tenantId?: unknown } }>().user?.tenantId;
    if (typeof tenantId !== 'string') return next.handle();
    return new Observable((subscriber) => runWithAwsTenant(tenantId, () => next.handle().subscribe(subscriber)));
  }
}
