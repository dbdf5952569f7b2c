import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { AuthHealthIndicator } from '../auth/auth.health';
import { AwsHealthIndicator } from '../aws/aws.health';
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
    private readonly aws: AwsHealthIndicator,
  ) {}

  @Get('live')
  @ApiOkResponse({ description: 'The process is running' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiServiceUnavailableResponse({
    description: 'Draining, or the database, storage, token keys or AWS credentials are unusable',
  })
  ready() {
    if (this.shutdown.draining) {
      throw new ServiceUnavailableException({ status: 'error', info: {}, error: { shutdown: { status: 'draining' } } });
    }
    return this.health.check([
      () => this.database.check(),
      () => this.storage.check(),
      () => this.tokenKeys.check(),
      () => this.cache.check(),
      () => this.aws.check(),
    ]);
  }
}
