import { act, cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockClient, operationName, renderWithClient } from '../test-support/mock-client';
import { App } from './App';
import { setSignedIn } from './auth-store';

afterEach(() => {
  cleanup();
  setSignedIn(null);
  window.location.hash = '';
});

const answers = {
  Registry: {
    zones: [{ __typename: 'Zone', id: 'hall', name: 'Hall A', description: null, sensors: [{ id: 't-1' }] }],
    retired: { totalCount: 0, nodes: [] },
  },
  IngestSensors: {
    sensors: {
      totalCount: 1,
      nodes: [
        {
          __typename: 'Sensor',
          id: 't-1',
          name: 'Temp 1',
          kind: 'temperature',
          unit: '°C',
          expectedIntervalSeconds: 60,
          zone: { __typename: 'Zone', id: 'hall', name: 'Hall A' },
        },
      ],
    },
  },
};

describe('App for a key that may not read the dashboard (INTEGRATOR)', () => {
  it.each(['#/', '#/zones/hall', '#/sensors/t-1', '#/tickets', '#/search?q=t', '#/registry'])(
    'at %s shows the registry with what the key can do, and asks only for registry data',
    async (hash) => {
      window.location.hash = hash;
      setSignedIn({ name: 'line-3', role: 'INTEGRATOR', authRequired: true });
      const { client, executeQuery, executeSubscription } = createMockClient({ queries: answers });
      renderWithClient(<App />, client);

      const notice = await screen.findByTestId('role-notice');
      expect(notice.textContent).toContain(
        'This key (line-3, INTEGRATOR) can ingest readings and read the registry; the dashboard, trust scores and tickets need a VIEWER key or higher.',
      );
      expect(within(notice).getByRole('button', { name: 'Sign out' })).toBeTruthy();
      await screen.findByTestId('ingest-sensor-t-1');
      // Only the registry link; no search box.
      const nav = screen.getByRole('navigation', { name: 'Main' });
      expect(
        within(nav)
          .getAllByRole('link')
          .map((a) => a.textContent),
      ).toEqual(['Registry']);
      expect(screen.queryByRole('search')).toBeNull();
      // No link to a zone or sensor page (their queries need VIEWER).
      expect(screen.getByTestId('registry-zone-hall').querySelector('a')).toBeNull();
      expect(new Set(executeQuery.mock.calls.map(([request]) => operationName(request)))).toEqual(
        new Set(['Registry', 'IngestSensors']),
      );
      expect(executeSubscription).not.toHaveBeenCalled();
    },
  );
});

describe('App for a VIEWER', () => {
  it('keeps the dashboard, its navigation and search, without the integrator note', async () => {
    window.location.hash = '#/registry';
    setSignedIn({ name: 'wallboard', role: 'VIEWER', authRequired: true });
    const { client, executeQuery } = createMockClient({ queries: answers });
    renderWithClient(<App />, client);
    await screen.findByTestId('registry-zone-hall');
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(
      within(nav)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual(['Overview', 'Tickets', 'Incidents', 'Registry']);
    expect(screen.getByRole('search')).toBeTruthy();
    expect(screen.queryByTestId('role-notice')).toBeNull();
    expect(screen.getByTestId('registry-zone-hall').querySelector('a')?.getAttribute('href')).toBe('#/zones/hall');
    expect(executeQuery.mock.calls.map(([request]) => operationName(request))).not.toContain('IngestSensors');

    act(() => {
      window.location.hash = '#/';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    expect(executeQuery.mock.calls.map(([request]) => operationName(request))).toContain('Overview');
  });
});
