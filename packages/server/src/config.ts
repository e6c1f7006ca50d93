/**
 * Configuration: the only reader of process.env. Flags win over environment variables; everything is
 * parsed once with a schema (defaults, types, clear errors), frozen, and passed down.
 *
 * The settings are declared by section beside this file, each with its fields, its environment variables
 * and how it builds its part of the config: config-http.ts (the HTTP edge), config-store.ts (the store and
 * the embedded write path), config-pipeline.ts (NATS) and config-features.ts (imports, journeys, analytics,
 * links). This file composes them, reads the environment and parses once.
 */
import { z } from 'zod';
import { FEATURE_ENV, FEATURE_SETTINGS, featuresSection } from './config-features.ts';
import type { FeaturesConfig } from './config-features.ts';
import { HTTP_ENV, HTTP_SETTINGS, httpProblems, httpSection } from './config-http.ts';
import type { HttpConfig } from './config-http.ts';
import { PIPELINE_ENV, PIPELINE_SETTINGS, pipelineProblems, pipelineSection } from './config-pipeline.ts';
import type { PipelineConfig } from './config-pipeline.ts';
import { STORE_ENV, STORE_SETTINGS, storeSection } from './config-store.ts';
import type { StoreConfig } from './config-store.ts';

export type { DeclaredWriteKey } from './config-http.ts';
export type { LinksConfig } from './config-features.ts';

/** The parsed, frozen configuration: every section's part. */
export interface KinConfig extends HttpConfig, StoreConfig, PipelineConfig, FeaturesConfig {}

/** Raised when configuration is invalid; `problems` name each bad setting. */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(readonly problems: string[]) {
    // One problem, one line; several, one line each.
    super(problems.length === 1 ? `invalid configuration: ${problems[0]}` : `invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

const schema = z.object({ ...HTTP_SETTINGS, ...STORE_SETTINGS, ...PIPELINE_SETTINGS, ...FEATURE_SETTINGS });

/** Which environment variable feeds which setting. */
const ENV: Record<keyof z.input<typeof schema>, string> = { ...HTTP_ENV, ...STORE_ENV, ...PIPELINE_ENV, ...FEATURE_ENV };

/** Flags as the CLI passes them (already named like the settings). */
export type ConfigFlags = Partial<Record<keyof typeof ENV, string | number | undefined>>;

/** The process's configuration: its environment with the command's flags over it (what every command reads). */
export function processConfig(flags: ConfigFlags = {}): Readonly<KinConfig> {
  return parseConfig(process.env, flags);
}

/** Parses flags over environment into a frozen config; throws `ConfigError` naming every bad value. */
export function parseConfig(env: Record<string, string | undefined>, flags: ConfigFlags = {}): Readonly<KinConfig> {
  const input: Record<string, unknown> = {};
  for (const [key, variable] of Object.entries(ENV)) {
    const flag = flags[key as keyof typeof ENV];
    const value = flag !== undefined ? flag : env[variable];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? '');
        const variable = ENV[key as keyof typeof ENV];
        return `${key}${variable ? ` (${variable})` : ''}: ${issue.message}`;
      }),
    );
  }
  const c = parsed.data;
  const relations = httpProblems(c);
  if (relations.length > 0) throw new ConfigError(relations);
  const overlaps = pipelineProblems(c);
  if (overlaps.length > 0) throw new ConfigError(overlaps);
  return Object.freeze({ ...httpSection(c), ...storeSection(c), ...pipelineSection(c), ...featuresSection(c) });
}
