import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import type { InstrumentationModuleDefinition } from '@opentelemetry/instrumentation';
import semver from 'semver';
import { afterAll, describe, expect, it } from 'vitest';
import { createInstrumentations } from './telemetry';

/** The version of `name` this service would load, or undefined when it is not installed. */
function installedVersion(name: string): string | undefined {
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    return undefined;
  }
  // Up from the entry point to the package's own package.json (`exports` may not expose it).
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version: string;
      };
      if (manifest.name === name) return manifest.version;
    } catch {
      // no package.json at this level
    }
  }
  return undefined;
}

describe('the instrumentations startTelemetry registers', () => {
  const instrumentations = createInstrumentations();
  afterAll(() => instrumentations.forEach((instrumentation) => instrumentation.disable()));

  // An instrumentation whose range leaves out the installed version patches nothing and says nothing: what
  // @opentelemetry/instrumentation-nestjs-core (Nest < 12) did here. This fails on such an upgrade instead.
  it('each patch a module this service loads, in a version they support', () => {
    for (const instrumentation of instrumentations) {
      const { getModuleDefinitions } = instrumentation as {
        getModuleDefinitions?: () => InstrumentationModuleDefinition[];
      };
      const definitions = getModuleDefinitions?.call(instrumentation) ?? [];
      // @fastify/otel registers through Fastify's own initialization channel, not by patching a module.
      if (definitions.length === 0) continue;
      const patched = definitions.filter(
        (definition) => builtinModules.includes(definition.name) || installedVersion(definition.name) !== undefined,
      );
      expect(patched.length, instrumentation.instrumentationName).toBeGreaterThan(0);
      for (const definition of patched) {
        if (builtinModules.includes(definition.name)) continue;
        const version = installedVersion(definition.name) as string;
        const supported = definition.supportedVersions.some((range) =>
          semver.satisfies(version, range, { includePrerelease: true }),
        );
        expect(supported, `${instrumentation.instrumentationName}: ${definition.name} ${version}`).toBe(true);
      }
    }
  });
});
