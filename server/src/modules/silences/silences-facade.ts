// What the GraphQL adapter may do with silences, and with the maintenance windows shown
// beside them: the silences resolvers and loaders are typed against this facade, not
// against the whole services bag. The clock is applied here, so they never read it.
import type { MaintenanceRepository, MaintenanceWindowRow } from '../tickets/index.js';
import type { SilenceRow, SilencesRepository } from './silences-repository.js';
import type { SilencesService } from './silences-service.js';

type Targets = Parameters<SilencesRepository['activeFor']>[0];

export interface SilencesFacade {
  /** Silences in force now (newest first), or all of them with `includePast`. */
  list(includePast: boolean): Promise<SilenceRow[]>;
  silence: SilencesService['silence'];
  unsilence: SilencesService['unsilence'];
  /** Whether a silence is in force now. */
  isActive(silence: Pick<SilenceRow, 'createdAt' | 'until'>): boolean;
  /** Silences in force now on any of these sensors, tickets or zones. */
  activeFor(targets: Targets): Promise<SilenceRow[]>;
  /** Maintenance windows of these zones that have not ended. */
  zoneMaintenance(zoneIds: readonly string[]): Promise<MaintenanceWindowRow[]>;
  /** Every maintenance window, past or not, on these sensors or zones. */
  maintenanceCovering(sensorIds: readonly string[], zoneIds: readonly string[]): Promise<MaintenanceWindowRow[]>;
}

export function createSilencesFacade(deps: {
  repo: SilencesRepository;
  service: SilencesService;
  maintenance: MaintenanceRepository;
  clock: { now(): Date };
}): SilencesFacade {
  const { repo, service, maintenance, clock } = deps;
  return {
    list: (includePast) => repo.list(includePast, clock.now()),
    silence: (...args) => service.silence(...args),
    unsilence: (id) => service.unsilence(id),
    isActive(silence) {
      const now = clock.now().getTime();
      return silence.createdAt.getTime() <= now && now < silence.until.getTime();
    },
    activeFor: (targets) => repo.activeFor(targets, clock.now()),
    zoneMaintenance: (zoneIds) => maintenance.forZones(zoneIds, clock.now()),
    maintenanceCovering: (sensorIds, zoneIds) => maintenance.coveringAny(sensorIds, zoneIds),
  };
}
