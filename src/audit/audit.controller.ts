import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authorize, CurrentPrincipal } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { openApiSchema } from '../common/openapi-schema';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { AUDIT_MODULE_OPTIONS, type AuditModuleOptions } from './audit.module-definition';
import { AuditReader, type AuditScope } from './audit.reader';
import { CSV_CONTENT_TYPE, reportToCsv } from './audit.report-csv';
import {
  auditEventPageSchema,
  auditReportQuerySchema,
  auditReportSchema,
  listAuditEventsQuerySchema,
  verifyResultSchema,
  type AuditReportQuery,
  type ListAuditEventsQuery,
} from './audit.schemas';
import { AuditVerifier } from './audit.verifier';

const instantQuery = (name: 'from' | 'to', description: string) =>
  ApiQuery({ name, required: false, description, schema: { type: 'string', format: 'date-time' } });

/** The audit trail for auditors (`Audit.Read`): a tenant's events and report, and the chain's verification. */
@ApiTags('audit')
@Controller('v1/audit')
@Authorize('Audit.Read')
export class AuditController {
  constructor(
    @Inject(AUDIT_MODULE_OPTIONS) private readonly options: AuditModuleOptions,
    private readonly reader: AuditReader,
    private readonly verifier: AuditVerifier,
  ) {}

  @Get('events')
  @instantQuery('from', 'earliest event time, inclusive')
  @instantQuery('to', 'latest event time, exclusive')
  @ApiQuery({ name: 'type', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } })
  @ApiQuery({ name: 'cursor', required: false, schema: { type: 'string' } })
  @ApiOkResponse({ schema: openApiSchema(auditEventPageSchema) })
  async events(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(listAuditEventsQuerySchema, 'query')) query: ListAuditEventsQuery,
  ) {
    return this.reader.listEvents(this.scopeOf(principal), query);
  }

  @Get('report')
  @instantQuery('from', 'start, inclusive; default 30 days before `to`')
  @instantQuery('to', 'end, exclusive; default now (or 30 days after `from`)')
  @ApiQuery({ name: 'format', required: false, schema: { type: 'string', enum: ['json', 'csv'], default: 'json' } })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ schema: openApiSchema(auditReportSchema) })
  async report(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(auditReportQuerySchema, 'query')) query: AuditReportQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const report = await this.reader.report(this.scopeOf(principal), query.from, query.to);
    if (query.format === 'json') return report;
    void reply
      .header('content-type', CSV_CONTENT_TYPE)
      .header('content-disposition', `attachment; filename="audit-report-${report.from.slice(0, 10)}.csv"`)
      .header('x-content-type-options', 'nosniff');
    return reportToCsv(report);
  }

  @Get('verify')
  @ApiOkResponse({ schema: openApiSchema(verifyResultSchema) })
  async verify() {
    return this.verifier.verify();
  }

  /** An auditor sees its own tenant; the home tenant's also see events no verified token could be tied to. */
  private scopeOf(principal: Principal): AuditScope {
    const home = this.options.homeTenantId?.toLowerCase();
    return {
      tenantId: principal.tenantId,
      includeUnattributed: home !== undefined && home === principal.tenantId.toLowerCase(),
    };
  }
}
