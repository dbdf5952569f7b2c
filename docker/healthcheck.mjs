// Container health check (Dockerfile HEALTHCHECK, ECS task definition): the slim image has no curl.
// Liveness, not readiness: a draining or dependency-starved task must not be killed for it.
/* eslint-disable no-restricted-properties -- a probe beside the service, which src/config does not serve */
import process from 'node:process';

const url = `http://127.0.0.1:${process.env.PORT || '3000'}/health/live`;

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  process.exitCode = response.ok ? 0 : 1;
} catch {
  process.exitCode = 1;
}
