import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp, type RunningApp } from './app.factory';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config';
import { ShutdownState } from './health/shutdown.state';
import { shutdownTelemetry } from './observability/telemetry';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const started = performance.now();
  const running = await createApp(config);
  await running.app.listen({ port: config.http.port, host: config.http.host });
  const logger = new Logger('Main');
  logger.log(
    `ready on ${await running.app.getUrl()} (${config.profile} profile) in ${Math.round(performance.now() - started)} ms`,
  );
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void shutDown(running, config, logger, signal));
  }
}

/** Readiness turns 503 at once; in-flight requests finish; the process exits within the deadline. */
async function shutDown(running: RunningApp, config: AppConfig, logger: Logger, signal: string): Promise<void> {
  logger.log(`${signal}: draining`);
  running.app.get(ShutdownState).beginDrain();
  const deadline = setTimeout(() => {
    logger.error(`shutdown deadline of ${config.shutdown.timeoutMs} ms passed; exiting`);
    process.exit(1);
  }, config.shutdown.timeoutMs);
  deadline.unref();
  try {
    // Keep serving while the load balancer notices the failed readiness and stops routing here.
    await new Promise((resolve) => setTimeout(resolve, config.shutdown.drainDelayMs));
    await running.close();
    await shutdownTelemetry();
    logger.log('stopped');
    process.exit(0);
  } catch (error) {
    logger.error(`shutdown failed: ${(error as Error).message}`);
    process.exit(1);
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
