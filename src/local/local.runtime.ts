import { resolve } from 'node:path';
import type { AppConfig } from '../config/app-config';
import { LocalIssuer } from './local-issuer';
import { LocalPostgres } from './local-postgres';
import { LocalS3 } from './local-s3';

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
    const [postgres, s3, issuer] = await Promise.all([
      needsDatabase ? LocalPostgres.start({ dataDir }) : undefined,
      config.storage.endpoint ? undefined : LocalS3.start({ dataDir, bucket: config.storage.bucket }),
      config.entra.tenantId ? undefined : LocalIssuer.start({ dataDir }),
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
