import { resolve } from 'node:path';
import type { AppConfig } from '../config/app-config';
import type { LocalIssuer } from './local-issuer';
import type { LocalPostgres } from './local-postgres';
import type { LocalS3 } from './local-s3';

/**
 * The embedded stand-ins of the `local` profile, started only for what the configuration leaves out:
 * no DATABASE_URL → PGlite, no S3_ENDPOINT → an S3-compatible endpoint, no ENTRA_TENANT_ID → the dev issuer.
 */
export class LocalRuntime {
  private constructor(
    readonly dataDir: string,
    readonly postgres: LocalPostgres | undefined,
    readonly s3: LocalS3 | undefined,
    readonly issuer: LocalIssuer | undefined,
  ) {}

  static async start(config: AppConfig): Promise<LocalRuntime> {
    if (config.profile !== 'local') throw new Error('The embedded runtime never runs in the aws profile');
    const dataDir = resolve(config.localDataDir);
    const needsDatabase = !config.database.url && !config.database.host;
    // Each stand-in is loaded only when started (s3rver alone is ~300 modules): a real service costs no start-up.
    const [postgres, s3, issuer] = await Promise.all([
      needsDatabase
        ? import('./local-postgres.js').then(({ LocalPostgres }) => LocalPostgres.start({ dataDir }))
        : undefined,
      config.storage.endpoint
        ? undefined
        : import('./local-s3.js').then(({ LocalS3 }) => LocalS3.start({ dataDir, bucket: config.storage.bucket })),
      config.entra.tenantId
        ? undefined
        : import('./local-issuer.js').then(({ LocalIssuer }) => LocalIssuer.start({ dataDir })),
    ]);
    return new LocalRuntime(dataDir, postgres, s3, issuer);
  }

  /** One line for the start-up log: which stand-ins run and where. */
  describe(): string {
    const postgres = this.postgres ? 'pglite' : 'external';
    const storage = this.s3 ? this.s3.endpoint : 'external';
    const issuer = this.issuer ? this.issuer.authorityHost : 'entra';
    return `embedded runtime: database=${postgres} storage=${storage} issuer=${issuer} data=${this.dataDir}`;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.postgres?.stop(), this.s3?.stop(), this.issuer?.stop()]);
  }
}
