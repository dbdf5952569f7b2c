import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DatabaseService } from './database.service';

@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly database: DatabaseService,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key = 'database') {
    const indicator = this.health.check(key);
    try {
      await this.database.ping();
      const { totalCount, idleCount, waitingCount } = this.database.pool;
      return indicator.up({
        total: totalCount,
        idle: idleCount,
        waiting: waitingCount,
        circuit: this.database.circuit,
      });
    } catch {
      return indicator.down({ message: 'database unreachable', circuit: this.database.circuit });
    }
  }
}
