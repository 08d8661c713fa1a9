// Puts freshly opened (or reopened) tickets into the incident of their cause, inside ticket
// automation's transaction (docs/incidents.md). Per cause key: close the open group if its
// window lapsed, join the open incident, or open one when enough tickets share the cause.
import type { IncidentSettings } from '../../config.js';
import type { SqlTx } from '../../db/sql-transaction.js';
import { severityRank } from '../tickets/ticket-rules.js';
import type { Severity } from '../../trust/types.js';
import { causeOf, type Cause, type OpenedTicket } from './incident-causes.js';
import {
  attach,
  closeLapsedGroups,
  fleetSilent,
  openIncident,
  openIncidentIds,
  sensorFacts,
  unattachedPeers,
} from './incident-grouping-repository.js';

export interface IncidentGrouping {
  /** Returns ticket id → incident id for the tickets that joined one. */
  assign(tx: SqlTx, opened: readonly OpenedTicket[]): Promise<Map<string, string>>;
}

export function createIncidentGrouping(settings: IncidentSettings): IncidentGrouping {
  return {
    async assign(tx, opened) {
      const out = new Map<string, string>();
      if (!opened.length) return out;
      const facts = await sensorFacts(tx, [...new Set(opened.map((t) => t.sensorId))]);
      const latest = opened.reduce((a, t) => (t.at > a ? t.at : a), opened[0]!.at);
      const silent = opened.some((t) => t.kind === 'OFFLINE')
        ? await fleetSilent(tx, latest, settings.fleetSilenceIntervals)
        : false;

      const groups = new Map<string, { cause: Cause; kind: string; tickets: OpenedTicket[] }>();
      for (const t of opened) {
        const cause = causeOf(t, facts.get(t.sensorId), silent, settings);
        const g = groups.get(cause.scope);
        if (g) g.tickets.push(t);
        else groups.set(cause.scope, { cause, kind: t.kind, tickets: [t] });
      }
      const keys = [...groups.keys()].sort();
      await closeLapsedGroups(tx, keys, latest, settings.windowMs);
      const open = await openIncidentIds(tx, keys);

      for (const key of keys) {
        const { cause, kind, tickets } = groups.get(key)!;
        const at = tickets.reduce((a, t) => (t.at > a ? t.at : a), tickets[0]!.at);
        const ids = tickets.map((t) => t.ticketId);
        let incidentId = open.get(key);
        let created = false;
        if (!incidentId) {
          const peers = await unattachedPeers(tx, cause, kind, at, settings.windowMs);
          const all = [...new Set([...ids, ...peers])];
          if (all.length < cause.minTickets) continue;
          const severity = tickets.reduce<Severity>(
            (s, t) => (severityRank(t.severity) > severityRank(s) ? t.severity : s),
            'LOW',
          );
          const opened = await openIncident(tx, cause, severity, at);
          incidentId = opened.id;
          created = opened.created;
          ids.push(...peers.filter((p) => !ids.includes(p)));
        }
        await attach(tx, incidentId, ids, at, created);
        for (const id of ids) out.set(id, incidentId);
      }
      return out;
    },
  };
}
