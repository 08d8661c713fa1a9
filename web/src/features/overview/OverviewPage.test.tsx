import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockClient, renderWithClient } from '../../test-support/mock-client';
import { summary, ticket, zoneStats } from '../../test-support/fixtures';
import { OverviewPage } from './OverviewPage';

afterEach(cleanup);

const overview = {
  dashboardSummary: summary(),
  zoneStats: [
    zoneStats('hall-a', 'Assembly Hall A', 96, { HEALTHY: 9 }),
    zoneStats('cold-store', 'Cold Store', 41, { HEALTHY: 6, FAULTY: 2, DEGRADED: 1 }),
  ],
  tickets: {
    __typename: 'TicketConnection',
    nodes: [ticket('t1'), ticket('t2', { title: 'Stuck humidity sensor', updatedAt: '2026-11-28T11:58:00.000Z' })],
  },
};

describe('OverviewPage', () => {
  it('shows the fleet summary, the zones by trust and recent ticket activity', async () => {
    const { client } = createMockClient({ queries: { Overview: overview } });
    renderWithClient(<OverviewPage />, client);

    expect((await screen.findByTestId('sensor-count')).textContent).toContain('54');
    expect(screen.getByTestId('status-count-FAULTY').textContent).toMatch(/Faulty\s*1/i);
    expect(screen.getByTestId('open-tickets').textContent).toContain('3');
    expect(screen.getByTestId('readings-last-hour').textContent).toContain('38,880');
    expect(screen.getByRole('meter', { name: 'Average trust' }).getAttribute('aria-valuenow')).toBe('87');

    const cold = screen.getByTestId('zone-tile-cold-store');
    expect(cold.getAttribute('href')).toBe('#/zones/cold-store');
    expect(within(cold).getByLabelText('Average trust 41')).toBeTruthy();
    // Status told by words too, not colour alone.
    expect(within(cold).getByText('2 faulty')).toBeTruthy();

    const items = screen.getAllByTestId('ticket-activity-item');
    expect(items[0]?.textContent).toContain('Stuck humidity sensor'); // newest first
    expect(items).toHaveLength(2);
  });

  it('shows pushed dashboard updates and ticket changes as they arrive', async () => {
    const { client, executeQuery } = createMockClient({
      queries: { Overview: overview },
      subscriptions: {
        OverviewDashboardUpdated: [
          { dashboardUpdated: summary({ sensorCount: 55, openTickets: 4, generatedAt: '2026-11-28T12:00:05.000Z' }) },
        ],
        OverviewTicketUpdated: [
          {
            ticketUpdated: ticket('t9', {
              title: 'Pressure sensor went silent',
              kind: 'OFFLINE',
              updatedAt: '2026-11-28T12:00:04.000Z',
            }),
          },
        ],
      },
    });
    renderWithClient(<OverviewPage />, client);

    expect((await screen.findByTestId('sensor-count')).textContent).toContain('55');
    expect(screen.getByTestId('open-tickets').textContent).toContain('4');
    expect(screen.getAllByTestId('ticket-activity-item')[0]?.textContent).toContain('Pressure sensor went silent');
    // Zone tiles have no push of their own: a dashboard push refreshes them from the network.
    await waitFor(() =>
      expect(
        (executeQuery.mock.calls as unknown[][]).some(
          ([, context]) => (context as { requestPolicy?: string })?.requestPolicy === 'network-only',
        ),
      ).toBe(true),
    );
  });

  it('says when it is loading, when there are no zones, and when loading failed', async () => {
    const pending = createMockClient({ queries: { Overview: 'pending' } });
    renderWithClient(<OverviewPage />, pending.client);
    expect(screen.getByRole('status').textContent).toContain('Loading the fleet');
    cleanup();

    const empty = createMockClient({ queries: { Overview: { ...overview, zoneStats: [], tickets: { nodes: [] } } } });
    renderWithClient(<OverviewPage />, empty.client);
    expect(await screen.findByText(/No zones yet/)).toBeTruthy();
    expect(screen.getByText(/No tickets yet/)).toBeTruthy();
    cleanup();

    const failing = createMockClient({ queries: { Overview: new Error('connection refused') } });
    renderWithClient(<OverviewPage />, failing.client);
    expect((await screen.findByRole('alert')).textContent).toContain('Could not load the fleet');
  });

  it('orders zones worst first and colours each tile by its worst sensor, not its average', async () => {
    const { client } = createMockClient({
      queries: {
        Overview: {
          ...overview,
          zoneStats: [
            zoneStats('a-calm', 'A calm hall', 99, { HEALTHY: 9 }),
            zoneStats('b-one-faulty', 'B hall', 97, { HEALTHY: 30, FAULTY: 1 }),
            zoneStats('c-offline', 'C store', 95, { HEALTHY: 5, OFFLINE: 1 }),
            zoneStats('d-degraded', 'D lab', 60, { HEALTHY: 2, DEGRADED: 3 }),
          ],
        },
      },
    });
    renderWithClient(<OverviewPage />, client);
    await screen.findByTestId('zone-tile-a-calm');
    const tiles = within(screen.getByRole('list', { name: 'Zones, worst first' })).getAllByRole('link');
    expect(tiles.map((t) => t.dataset.testid)).toEqual([
      'zone-tile-b-one-faulty',
      'zone-tile-c-offline',
      'zone-tile-d-degraded',
      'zone-tile-a-calm',
    ]);
    const faulty = screen.getByTestId('zone-tile-b-one-faulty');
    expect(faulty.className).toContain('zone-faulty'); // average 97, still not green
    expect(faulty.textContent).toContain('worst: faulty');
    expect(screen.getByTestId('zone-tile-a-calm').className).toContain('zone-healthy');
    expect(document.title).toBe('Overview · Sensor Trust');
  });
});
