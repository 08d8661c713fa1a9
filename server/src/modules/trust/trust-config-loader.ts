// Loads TRUST_CONFIG_FILE (per-kind threshold overrides) once at start-up and
// fails fast with a message naming the file and the bad key. TRUST_LATENESS_SECONDS, when
// set, overrides `latenessSeconds` for every kind.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../config.js';
import { DEFAULT_TRUST_CONFIG, mergeTrustConfig, type TrustConfig } from '../../trust/index.js';

export function loadTrustConfig(file: string | null, latenessSeconds: number | null = null): TrustConfig {
  const base = loadTrustConfigFile(file);
  if (latenessSeconds === null) return base;
  const byKind = Object.fromEntries(Object.keys(base.byKind).map((k) => [k, { latenessSeconds }]));
  return mergeTrustConfig(base, { defaults: { latenessSeconds }, byKind });
}

function loadTrustConfigFile(file: string | null): TrustConfig {
  if (file === null) return DEFAULT_TRUST_CONFIG;
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`TRUST_CONFIG_FILE "${file}" cannot be read: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new ConfigError(`TRUST_CONFIG_FILE "${file}" is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return mergeTrustConfig(DEFAULT_TRUST_CONFIG, parsed);
  } catch (err) {
    throw new ConfigError(`TRUST_CONFIG_FILE "${file}": ${(err as Error).message}`);
  }
}
