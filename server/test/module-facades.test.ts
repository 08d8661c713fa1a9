// Resolvers moved to a facade see only it: checked by the type checker (`npm run typecheck`
// fails when a wider context creeps back), and at run time on the services the app builds.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { DashboardContext } from '../src/modules/dashboard/dashboard-resolvers.js';
import type { NotificationsContext } from '../src/modules/notifications/notifications-resolvers.js';
import type { SilencesContext } from '../src/modules/silences/silences-resolvers.js';
import { TARGETS } from './support/databases.js';
import { startTestApp } from './support/test-app.js';

describe('per-module facades', () => {
  it('types the silences resolvers against their facade and what naming the actor needs, nothing else', () => {
    expectTypeOf<keyof SilencesContext['services']>().toEqualTypeOf<'facades' | 'config'>();
    expectTypeOf<keyof SilencesContext['services']['facades']>().toEqualTypeOf<'silences'>();
    expectTypeOf<keyof SilencesContext['services']['config']>().toEqualTypeOf<'auth'>();
  });

  it('types the dashboard resolvers against their read-only facade', () => {
    expectTypeOf<keyof DashboardContext['services']>().toEqualTypeOf<'facades'>();
    expectTypeOf<keyof DashboardContext['services']['facades']['dashboard']>().toEqualTypeOf<
      'summary' | 'zoneStats' | 'trend'
    >();
  });

  it('types the notifications resolvers against their facade only: no dispatching, no clock', () => {
    expectTypeOf<keyof NotificationsContext['services']>().toEqualTypeOf<'facades'>();
    expectTypeOf<keyof NotificationsContext['services']['facades']>().toEqualTypeOf<'notifications'>();
    expectTypeOf<keyof NotificationsContext['services']['facades']['notifications']>().toEqualTypeOf<
      'listReceivers' | 'createReceiver' | 'deleteReceiver' | 'deliveries' | 'sendTest'
    >();
  });

  it.each(TARGETS)('keeps silences out of the services bag on %s: only the facade offers them', async (target) => {
    const t = await startTestApp(target);
    try {
      expect(Object.keys(t.app.services).filter((k) => /silence/i.test(k))).toEqual([]);
      const { silences } = t.app.services.facades;
      const now = Date.now();
      expect(silences.isActive({ createdAt: new Date(now - 1000), until: new Date(now + 60_000) })).toBe(true);
      expect(silences.isActive({ createdAt: new Date(now - 60_000), until: new Date(now - 1000) })).toBe(false);
      expect(await silences.list(true)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
