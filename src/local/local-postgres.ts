type PGliteDatabase = Awaited<
  ReturnType<(typeof import('@electric-sql/pglite', { with: { 'resolution-mode': 'import' } }))['PGlite']['create']>
>;
type SocketServer = InstanceType<
  (typeof import('@electric-sql/pglite-socket', { with: { 'resolution-mode': 'import' } }))['PGLiteSocketServer']
>;
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * PGlite (PostgreSQL compiled to WASM) served over the Postgres wire protocol on loopback,
 * so the local profile runs the very same `pg` code path as RDS.
 */
export class LocalPostgres {
  private constructor(
    private readonly db: PGliteDatabase,
    private readonly server: SocketServer,
    readonly url: string,
  ) {}

  static async start(options: { dataDir: string; port?: number }): Promise<LocalPostgres> {
    const dataDir = join(options.dataDir, 'pgdata');
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    // Loaded only when the local profile needs it: the aws profile never pays for the WASM PostgreSQL.
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const db = await PGlite.create({ dataDir });
    const server = new PGLiteSocketServer({
      db,
      host: '127.0.0.1',
      port: options.port ?? 0,
      maxConnections: 1, // one PGlite backend: concurrent connections would share prepared statements and transactions
    });
    await server.start();
    const url = `postgres://postgres@${server.getServerConn()}/postgres`;
    return new LocalPostgres(db, server, url);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}
