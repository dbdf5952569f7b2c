import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { EntraTokenVerifier } from './entra-token.verifier';
import { SessionRevocations } from './session-revocations';

/**
 * `token-keys`: up once the OpenID metadata and signing keys have been fetched; fetches them now when not yet.
 * Reports (without failing) whether past session revocations are loaded: Redis down must not stop the service.
 */
@Injectable()
export class AuthHealthIndicator {
  constructor(
    private readonly verifier: EntraTokenVerifier,
    private readonly revocations: SessionRevocations,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key = 'token-keys'): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    try {
      await this.verifier.ensureKeys();
      return indicator.up({ revocations: this.revocations.synced ? 'synced' : 'not-synced' });
    } catch {
      return indicator.down({ message: 'OpenID metadata or signing keys could not be fetched' });
    }
  }
}
