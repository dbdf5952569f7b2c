// Loaded with `node --require` before the service, so the instrumentations patch pg, ioredis, http and the
// AWS SDK before anything requires them. A configuration problem is left for main.ts to report.
import { ConfigError, loadConfig } from '../config/app-config';
import { startTelemetry } from './telemetry';

try {
  startTelemetry(loadConfig().telemetry);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
}
