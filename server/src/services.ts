// Wires repositories and services once per app. Resolvers reach them through
// the GraphQL context; background jobs through `app.services`.
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { createDashboardRepository } from './modules/dashboard/dashboard-repository.js';
import { createReadingsRepository } from './modules/readings/readings-repository.js';
import { createSensorsRepository } from './modules/sensors/sensors-repository.js';
import { createSensorsService } from './modules/sensors/sensors-service.js';
import { createMaintenanceRepository } from './modules/tickets/maintenance-repository.js';
import { createTicketsRepository } from './modules/tickets/tickets-repository.js';
import { createTrustRepository } from './modules/trust/trust-repository.js';

export function createServices(app: FastifyInstance, config: Config, options: { now?: () => Date } = {}) {
  const prisma = app.db.prisma;
  const sensorsRepository = createSensorsRepository(prisma);
  return {
    config,
    clock: { now: options.now ?? (() => new Date()) },
    sensorsRepository,
    sensors: createSensorsService(sensorsRepository, app.events),
    readingsRepository: createReadingsRepository(prisma),
    trustRepository: createTrustRepository(prisma),
    ticketsRepository: createTicketsRepository(prisma),
    maintenanceRepository: createMaintenanceRepository(prisma),
    dashboardRepository: createDashboardRepository(prisma),
  };
}

export type Services = ReturnType<typeof createServices>;
