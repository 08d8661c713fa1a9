// The shape of a stored reading as every reader sees it (sensor lists, exports, series), and the
// most raw readings one list answer carries.
export interface ReadingRow {
  sensorId: string;
  timestamp: Date;
  value: number;
}

export const MAX_READINGS_PER_QUERY = 10_000;
