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
      // A Node built-in (http) is there in the version of this Node.
      const installed = definitions.flatMap((definition) => {
        const version = builtinModules.includes(definition.name)
          ? process.versions.node
          : installedVersion(definition.name);
        return version === undefined ? [] : [{ definition, version }];
      });
      expect(installed.length, instrumentation.instrumentationName).toBeGreaterThan(0);
      for (const { definition, version } of installed) {
        const supported = definition.supportedVersions.some((range) =>
          semver.satisfies(version, range, { includePrerelease: true }),
        );
        expect(supported, `${instrumentation.instrumentationName}: ${definition.name} ${version}`).toBe(true);
      }
    }
  });
});
