// Puts freshly opened (or reopened) tickets into the incident of their cause, inside ticket
// automation's transaction (docs/incidents.md). Per cause key: close the open group if its
// window lapsed, join the open incident, or open one when enough tickets share the cause.
import type { IncidentSettings } from '../../config.js';

export type { IncidentGrouping };
import { severityRank } from '../tickets/index.js';
import type { FaultKind, Severity } from '../../trust/types.js';
import { environmentMove, MOVE_KINDS } from './environment.js';
import type { IncidentGrouping, OpenedTicket } from '../tickets/index.js';
import { causeOf, type Cause } from './incident-causes.js';
import {
  attach,
  closeLapsedGroups,
  fleetSilent,
  openIncident,
  openIncidentIds,
  sensorFacts,
  unattachedPeers,
  zoneMovers,
  releaseMovers,
  noteMove,
} from './incident-grouping-repository.js';

export function createIncidentGrouping(settings: IncidentSettings): IncidentGrouping {
  return {
    async holdEnvironment(tx, inserts) {
      const candidates = inserts.filter((i) => MOVE_KINDS.includes(i.kind));
      if (!candidates.length) return { keep: [...inserts], incidentIds: [], released: [] };
      const facts = await sensorFacts(tx, [...new Set(candidates.map((i) => i.sensorId))]);
      const groups = new Map<
        string,
        { zoneId: string; sensorKind: string; kind: FaultKind; items: typeof candidates }
      >();
      for (const i of candidates) {
        const f = facts.get(i.sensorId);
        if (!f?.zoneId) continue;
        const key = `${f.zoneId}\u001f${f.sensorKind}\u001f${i.kind}`;
        const g = groups.get(key);
        if (g) g.items.push(i);
        else groups.set(key, { zoneId: f.zoneId, sensorKind: f.sensorKind, kind: i.kind, items: [i] });
      }
      const held = new Set<(typeof inserts)[number]>();
      const incidentIds: string[] = [];
      const released: { id: string; sensor_id: string }[] = [];
      for (const g of groups.values()) {
        const at = g.items.reduce((a, i) => (i.at > a ? i.at : a), g.items[0]!.at);
        const scope = `environment:${g.zoneId}:${g.sensorKind}`;
        await closeLapsedGroups(tx, [scope], at, settings.windowMs);
        const { peers, movers } = await zoneMovers(
          tx,
          g.zoneId,
          g.sensorKind,
          g.kind,
          g.items.map((i) => i.sensorId),
          at,
          settings.windowMs,
        );
        const move = environmentMove(movers, peers, settings.environmentShare, settings.minTickets);
        if (!move) continue;
        const direction = move.direction > 0 ? 'up' : 'down';
        const opened = await openIncident(
          tx,
          {
            cause: 'ENVIRONMENT',
            scope,
            summary: `${g.sensorKind} in zone ${g.zoneId} moved ${direction} together (${g.kind}): a change of the environment, not a sensor fault`,
            zoneId: g.zoneId,
            source: null,
            minTickets: settings.minTickets,
          },
          'MEDIUM',
          at,
        );
        await noteMove(tx, opened.id, move.sensorIds.length, at, opened.created);
        incidentIds.push(opened.id);
        const moving = new Set(move.sensorIds);
        for (const i of g.items) if (moving.has(i.sensorId)) held.add(i);
        released.push(
          ...(await releaseMovers(
            tx,
            move.sensorIds,
            g.kind,
            at,
            settings.windowMs,
            `Not a sensor fault: ${moving.size} of ${peers} ${g.sensorKind} sensors of zone ${g.zoneId} moved ${direction} together (incident ${opened.id})`,
          )),
        );
      }
      return { keep: inserts.filter((i) => !held.has(i)), incidentIds, released };
    },

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
