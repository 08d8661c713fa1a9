// Reads of stored readings. (The bulk write path lives in readings-ingest-repository.ts.)
import type { PrismaClient } from '../../generated/prisma/client.js';

import { MAX_READINGS_PER_QUERY, type ReadingRow } from '../../kernel/readings.js';

export { MAX_READINGS_PER_QUERY, type ReadingRow };

export function createReadingsRepository(prisma: PrismaClient) {
  return {
    /** Newest last; with `last`, only the newest N of the range. */
    async forSensor(sensorId: string, from: Date | null, to: Date | null, last: number | null): Promise<ReadingRow[]> {
      const where = { sensorId, timestamp: { ...(from ? { gte: from } : {}), ...(to ? { lte: to } : {}) } };
      if (last !== null) {
        const rows = await prisma.reading.findMany({ where, orderBy: { timestamp: 'desc' }, take: last });
        return rows.reverse();
      }
      return prisma.reading.findMany({ where, orderBy: { timestamp: 'asc' }, take: MAX_READINGS_PER_QUERY });
    },
  };
}

export type ReadingsRepository = ReturnType<typeof createReadingsRepository>;
