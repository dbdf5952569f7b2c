import { Logger } from '@nestjs/common';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeCertificates,
  startPostgres,
  type PostgresServer,
  type TestCertificates,
} from '../../test/support/services';
import { UnavailableError } from '../errors/domain-errors';
import type { DatabaseModuleOptions } from './database.module-definition';
import { DatabaseService } from './database.service';

describe('DatabaseService TLS against PostgreSQL servers of its own', () => {
  let certs: TestCertificates;
  let tlsServer: PostgresServer;
  let plainServer: PostgresServer;
  const open: DatabaseService[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    certs = await makeCertificates(['localhost']);
    [tlsServer, plainServer] = await Promise.all([startPostgres({ tls: certs, tlsOnly: true }), startPostgres()]);
  });

  afterAll(async () => {
    await Promise.all(open.map((database) => database.onApplicationShutdown()));
    await Promise.all([tlsServer.destroy(), plainServer.destroy()]);
    await rm(certs.dir, { recursive: true, force: true });
  });

  function database(options: DatabaseModuleOptions): DatabaseService {
    const created = new DatabaseService({ connectTimeoutMs: 2_000, circuitFailureThreshold: 1_000, ...options });
    open.push(created);
    return created;
  }

  async function sslInUse(service: DatabaseService): Promise<boolean | undefined> {
    const [row] = await service.query<{ ssl: boolean }>({
      name: 't.ssl',
      text: 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    });
    return row?.ssl;
  }

  it('verify-full connects over TLS when the chain leads to the configured CA and the name matches', async () => {
    const viaFile = database({
      connectionString: tlsServer.url('postgres', 'localhost'),
      ssl: { mode: 'verify-full', caFile: join(certs.dir, 'ca.crt') },
    });
    expect(await sslInUse(viaFile)).toBe(true);
  });

  it('verify-full refuses a certificate from another CA, and one not issued for the host name', async () => {
    const otherCa = database({
      connectionString: tlsServer.url('postgres', 'localhost'),
      ssl: { mode: 'verify-full', ca: certs.otherCaCert },
    });
    await expect(otherCa.ping()).rejects.toBeInstanceOf(UnavailableError);
    const wrongName = database({
      connectionString: tlsServer.url('postgres', '127.0.0.1'),
      ssl: { mode: 'verify-full', ca: certs.caCert },
    });
    await expect(wrongName.ping()).rejects.toBeInstanceOf(UnavailableError);
    // Without verification the same server is reachable: the refusals above are the verification's doing.
    expect(await sslInUse(database({ connectionString: tlsServer.url(), ssl: { mode: 'require' } }))).toBe(true);
  });

  it('refuses to fall back to plain TCP when the server offers no TLS, whatever the URL says', async () => {
    const refused = database({
      connectionString: `${plainServer.url('postgres', 'localhost')}?sslmode=disable`,
      ssl: { mode: 'verify-full', ca: certs.caCert },
    });
    const error = await refused.ping().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(((error as UnavailableError).cause as Error).message).toMatch(/does not support SSL/);
    expect(await sslInUse(database({ connectionString: plainServer.url() }))).toBe(false);
  });

  it('a server that demands TLS refuses the plain connection with a 503, not a 500', async () => {
    await expect(database({ connectionString: tlsServer.url() }).ping()).rejects.toBeInstanceOf(UnavailableError);
  });
});
