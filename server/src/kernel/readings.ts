// The shape of a stored reading as every reader sees it (sensor lists, exports, series), the
// most raw readings one list answer carries, and the batch ingest hands the trust stream.
import type { ReadingSample, SensorProfile } from '../trust/types.js';
export interface ReadingRow {
  sensorId: string;
  timestamp: Date;
  value: number;
}

export const MAX_READINGS_PER_QUERY = 10_000;

/** One sensor's readings of an ingest batch, as stored, for the trust stream. */
export interface SensorReadings {
  profile: SensorProfile;
  samples: ReadingSample[];
  /** The engine's "now" for these readings (epoch ms: when they were received); default: the call's `now`. */
  now?: number;
}
