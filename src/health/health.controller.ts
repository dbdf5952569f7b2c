import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { AuthHealthIndicator } from '../auth/auth.health';
import { CacheHealthIndicator } from '../cache/cache.health';
import { DatabaseHealthIndicator } from '../database/database.health';
import { StorageHealthIndicator } from '../storage/storage.health';
import { ShutdownState } from './shutdown.state';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly shutdown: ShutdownState,
    private readonly database: DatabaseHealthIndicator,
    private readonly storage: StorageHealthIndicator,
    private readonly tokenKeys: AuthHealthIndicator,
    private readonly cache: CacheHealthIndicator,
  ) {}

  @Get('live')
  @ApiOkResponse({ description: 'The process is running' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiServiceUnavailableResponse({ description: 'Draining, or the database, storage or token keys are unusable' })
  ready() {
    if (this.shutdown.draining) {
      throw new ServiceUnavailableException({ status: 'error', info: {}, error: { shutdown: { status: 'draining' } } });
    }
    return this.health.check([
      () => this.database.check(),
      () => this.storage.check(),
      () => this.tokenKeys.check(),
      () => this.cache.check(),
    ]);
  }
}
