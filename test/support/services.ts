import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Throwaway PostgreSQL and Redis servers the tests own, on spare loopback ports in temp dirs, so a test may stop,
 * kill and restart them without touching the machine's shared PostgreSQL (5432) and Redis (6379).
 */
const run = promisify(execFile);
const PG_BIN = '/usr/lib/postgresql/15/bin';

/** A loopback port that was free a moment ago. */
export async function sparePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `check` every 50 ms until it returns true (or throws after `timeoutMs`). */
export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// initdb and postgres refuse to run as root: run them as the postgres user then.
const asRoot = process.getuid?.() === 0;
function postgresIds(): { uid: number; gid: number } {
  const uid = Number(spawnSync('id', ['-u', 'postgres']).stdout.toString().trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres']).stdout.toString().trim());
  return { uid, gid };
}
function pgCommand(binary: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, binary), ...args]] : [join(PG_BIN, binary), args];
}

/** PEM files of a test certificate authority and a server certificate it signed. */
export interface TestCertificates {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** A second, unrelated CA: verification against it must fail. */
  otherCaCert: string;
}

/** A CA, a server certificate for `hostnames` signed by it, and an unrelated CA (openssl, EC P-256). */
export async function makeCertificates(hostnames: string[] = ['localhost']): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'navius-certs-'));
  const file = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['ca', 'other-ca']) {
    await run(
      'openssl',
      ['req', '-x509', ...ec, '-keyout', file(`${ca}.key`), '-out', file(`${ca}.crt`)].concat([
        '-days',
        '2',
        '-subj',
        `/CN=navius-test-${ca}`,
      ]),
    );
  }
  await run('openssl', ['req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=db']);
  await writeFile(file('server.ext'), `subjectAltName=${hostnames.map((h) => `DNS:${h}`).join(',')}\n`);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.crt'),
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
  ]);
  const read = (name: string) => readFile(file(name), 'utf8');
  return {
    dir,
    caCert: await read('ca.crt'),
    serverCert: await read('server.crt'),
    serverKey: await read('server.key'),
    otherCaCert: await read('other-ca.crt'),
  };
}

export interface PostgresServer {
  port: number;
  /** postgres://postgres[:password]@127.0.0.1:<port>/<database> */
  url(database?: string, host?: string): string;
  running(): boolean;
  /** Stops the server at once (`-m immediate`): connections drop as in a crash or failover. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its data directory. */
  destroy(): Promise<void>;
}

export interface PostgresServerOptions {
  /** Password of the `postgres` user; with it, TCP logins need scram-sha-256, else they are trusted. */
  password?: string;
  /** Serve TLS with this certificate (ssl=on); plain connections stay allowed unless `tlsOnly`. */
  tls?: Pick<TestCertificates, 'serverCert' | 'serverKey'>;
  /** Refuse non-TLS TCP connections in pg_hba.conf. */
  tlsOnly?: boolean;
}

/** A PostgreSQL 15 cluster of its own: initdb into a temp dir, started with pg_ctl on a spare port. */
export async function startPostgres(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const dir = await mkdtemp(join(tmpdir(), 'navius-pg-'));
  const data = join(dir, 'data');
  const port = await sparePort();
  const ids = asRoot ? postgresIds() : undefined;
  if (ids) await chown(dir, ids.uid, ids.gid);
  const pwfile = join(dir, 'pwfile');
  if (options.password) await writeFile(pwfile, `${options.password}\n`);
  if (ids && options.password) await chown(pwfile, ids.uid, ids.gid);
  const auth = options.password ? 'scram-sha-256' : 'trust';
  const [initdb, initArgs] = pgCommand('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-local=trust',
    `--auth-host=${auth}`,
    '--no-sync',
    '-E',
    'UTF8',
    ...(options.password ? [`--pwfile=${pwfile}`] : []),
  ]);
  await run(initdb, initArgs);
  const settings = [
    `port = ${port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${dir}'`,
    'fsync = off',
    'max_connections = 60',
  ];
  if (options.tls) {
    await writeFile(join(data, 'server.crt'), options.tls.serverCert);
    await writeFile(join(data, 'server.key'), options.tls.serverKey);
    await chmod(join(data, 'server.key'), 0o600);
    if (ids) for (const name of ['server.crt', 'server.key']) await chown(join(data, name), ids.uid, ids.gid);
    settings.push('ssl = on', `ssl_cert_file = 'server.crt'`, `ssl_key_file = 'server.key'`);
  }
  await writeFile(join(data, 'postgresql.auto.conf'), `${settings.join('\n')}\n`);
  if (options.tlsOnly) {
    await writeFile(join(data, 'pg_hba.conf'), `local all all trust\nhostssl all all 127.0.0.1/32 ${auth}\n`);
  }
  if (ids) await chown(join(data, 'postgresql.auto.conf'), ids.uid, ids.gid);
  let up = false;
  const server: PostgresServer = {
    port,
    url: (database = 'postgres', host = '127.0.0.1') =>
      `postgres://postgres${options.password ? `:${encodeURIComponent(options.password)}` : ''}@${host}:${port}/${database}`,
    running: () => up,
    start: async () => {
      const [pgCtl, args] = pgCommand('pg_ctl', ['start', '-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60']);
      await run(pgCtl, args);
      up = true;
    },
    stop: async () => {
      const [pgCtl, args] = pgCommand('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '60']);
      await run(pgCtl, args);
      up = false;
    },
    destroy: async () => {
      if (up) await server.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

export interface RedisServer {
  port: number;
  url: string;
  running(): boolean;
  /** SIGKILL: connections drop at once, as when a node dies. */
  stop(): Promise<void>;
  /** Starts it again on the same port (and, in a cluster, with the same node id and slots). */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** A redis-server of its own on a spare port, keeping nothing on disk (unless it is a cluster node). */
export async function startRedis(extraArgs: string[] = [], port?: number): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'navius-redis-'));
  const chosen = port ?? (await sparePort());
  let child: ChildProcess | undefined;
  const args = ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const server: RedisServer = {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    running: () => child !== undefined,
    start: async () => {
      child = spawn('redis-server', [...args, ...extraArgs], { stdio: 'ignore' });
      const started = child;
      started.once('exit', () => {
        if (child === started) child = undefined;
      });
      await waitFor(() => acceptsConnections(chosen), `redis-server on ${chosen}`);
    },
    stop: async () => {
      const stopping = child;
      if (!stopping) return;
      child = undefined;
      const exited = new Promise((resolve) => stopping.once('exit', resolve));
      stopping.kill('SIGKILL');
      await exited;
    },
    destroy: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

export interface RedisClusterServers {
  nodes: RedisServer[];
  /** Seed addresses for a cluster client. */
  seeds: { host: string; port: number }[];
  destroy(): Promise<void>;
}

/** N redis-server masters (`--cluster-enabled yes`), joined with `redis-cli --cluster create --cluster-replicas 0`. */
export async function startRedisCluster(masters = 3): Promise<RedisClusterServers> {
  const nodes: RedisServer[] = [];
  for (let i = 0; i < masters; i++) {
    const port = await sparePort();
    // Partial coverage keeps the surviving masters serving their slots while one is down.
    nodes.push(
      await startRedis(
        [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '2000',
          '--cluster-require-full-coverage',
          'no',
        ],
        port,
      ),
    );
  }
  const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
  await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
  for (const node of nodes) {
    await waitFor(
      async () =>
        (await run('redis-cli', ['-p', String(node.port), 'cluster', 'info'])).stdout.includes('cluster_state:ok'),
      `cluster state ok on ${node.port}`,
    );
  }
  return {
    nodes,
    seeds: nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
    destroy: async () => {
      await Promise.all(nodes.map((node) => node.destroy()));
    },
  };
}

export interface TcpProxy {
  port: number;
  /** New connections go to `port` from now on; open ones stay where they are (like a DNS endpoint moving). */
  retarget(port: number): void;
  close(): Promise<void>;
}

/** A loopback TCP forwarder standing in for a DNS name that moves on failover (ElastiCache primary endpoint). */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let target = targetPort;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    retarget: (port) => (target = port),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface TrafficResult {
  /** Answers by HTTP status; `timeout` for requests that got no answer in time, `network` for refused ones. */
  byStatus: Record<string, number>;
  /** What `inspect` found wrong with individual answers. */
  problems: string[];
}

/**
 * Keeps `concurrency` clients sending `request()` in a loop until `stop()`; each request is cut off after
 * `timeoutMs` and counted as `timeout` (a hung request). `inspect` may report a problem with an answer.
 */
export function startTraffic(
  request: (signal: AbortSignal) => Promise<Response>,
  options: {
    concurrency?: number;
    timeoutMs?: number;
    inspect?: (response: Response, body: string) => string | undefined;
  } = {},
): { snapshot(): TrafficResult; stop(): Promise<TrafficResult> } {
  const result: TrafficResult = { byStatus: {}, problems: [] };
  const count = (key: string) => (result.byStatus[key] = (result.byStatus[key] ?? 0) + 1);
  let running = true;
  const worker = async () => {
    while (running) {
      try {
        const response = await request(AbortSignal.timeout(options.timeoutMs ?? 20_000));
        const body = await response.text();
        count(String(response.status));
        const problem = options.inspect?.(response, body);
        if (problem) result.problems.push(problem);
      } catch (error) {
        count((error as Error).name === 'TimeoutError' ? 'timeout' : 'network');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };
  const workers = Array.from({ length: options.concurrency ?? 4 }, () => worker());
  return {
    snapshot: () => ({ byStatus: { ...result.byStatus }, problems: [...result.problems] }),
    stop: async () => {
      running = false;
      await Promise.all(workers);
      return result;
    },
  };
}
