import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditReader } from './audit.reader';

/** `GET /v1/audit/events|report|verify` for `Audit.Read`; needs AuditModule and AuthModule (both global). */
@Module({
  controllers: [AuditController],
  providers: [AuditReader],
})
export class AuditApiModule {}
