import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from './database.health';
import { DatabaseConfigurableModule } from './database.module-definition';
import { DatabaseService } from './database.service';

/** PostgreSQL through one pg pool, with migrations at start-up and a readiness indicator. */
@Module({
  imports: [TerminusModule],
  providers: [DatabaseService, DatabaseHealthIndicator],
  exports: [DatabaseService, DatabaseHealthIndicator],
})
export class DatabaseModule extends DatabaseConfigurableModule {}
