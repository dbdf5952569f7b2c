import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

type PGliteDatabase = Awaited<
  ReturnType<(typeof import('@electric-sql/pglite', { with: { 'resolution-mode': 'import' } }))['PGlite']['create']>
>;
type SocketServer = InstanceType<
  (typeof import('@electric-sql/pglite-socket', { with: { 'resolution-mode': 'import' } }))['PGLiteSocketServer']
>;

/**
 * PGlite (PostgreSQL compiled to WASM) served over the Postgres wire protocol on loopback,
 * so the local profile runs the very same `pg` code path as RDS.
 *
 * PGlite is one backend: every connection shares one session. So clients are let in one at a time, and the
 * session is reset between them (open transaction rolled back, prepared statements deallocated); otherwise a
 * reconnect after a failed query would be refused, or would collide with the previous client's statements.
 */
export class LocalPostgres {
  private constructor(
    private readonly db: PGliteDatabase,
    private readonly backend: SocketServer,
    private readonly front: Server,
    private readonly sockets: Set<Socket>,
    readonly url: string,
  ) {}

  static async start(options: { dataDir: string; port?: number }): Promise<LocalPostgres> {
    const dataDir = join(options.dataDir, 'pgdata');
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    // Loaded only when the local profile needs it: the aws profile never pays for the WASM PostgreSQL.
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const db = await PGlite.create({ dataDir, loadDataDir: await initialCluster(dataDir) });
    // Room for two: the previous client's handler may still be detaching when the next one connects.
    const backend = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
    await backend.start();
    const backendPort = Number(backend.getServerConn().split(':').pop());

    const sockets = new Set<Socket>();
    let turn = Promise.resolve();
    const front = createServer((client) => {
      sockets.add(client);
      client.once('close', () => sockets.delete(client));
      client.on('error', () => undefined);
      client.pause();
      // Each client waits for the previous one to be gone, then gets a clean session.
      turn = turn.then(() => serve(client));
    });
    const serve = async (client: Socket): Promise<void> => {
      if (client.destroyed) return;
      await db.exec('ROLLBACK; DEALLOCATE ALL;').catch(() => undefined);
      const upstream = connect(backendPort, '127.0.0.1');
      sockets.add(upstream);
      upstream.on('error', () => undefined);
      await new Promise<void>((resolve) => {
        const finish = (): void => {
          client.destroy();
          upstream.destroy();
          sockets.delete(upstream);
          resolve();
        };
        client.once('close', finish);
        upstream.once('close', finish);
        client.pipe(upstream).pipe(client);
        client.resume();
      });
    };
    await new Promise<void>((resolve) => front.listen(options.port ?? 0, '127.0.0.1', resolve));
    const { port } = front.address() as AddressInfo;
    return new LocalPostgres(db, backend, front, sockets, `postgres://postgres@127.0.0.1:${port}/postgres`);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.front.close(resolve));
    await this.backend.stop();
    await this.db.close();
  }
}

/** The cluster `npm install` prepared (src/local/pglite-template.mjs), for a data directory not yet initialised. */
async function initialCluster(dataDir: string): Promise<Blob | undefined> {
  const template = join(__dirname, '..', '..', 'node_modules', '.cache', 'navius', 'pglite-template.tar.gz');
  if (existsSync(join(dataDir, 'PG_VERSION')) || !existsSync(template)) return undefined;
  return new Blob([await readFile(template)]);
}
