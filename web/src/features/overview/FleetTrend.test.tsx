import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockClient, renderWithClient } from '../../test-support/mock-client';
import { FleetTrend, trendPath } from './FleetTrend';

afterEach(cleanup);

const MIN = 60_000;

describe('trendPath', () => {
  it('draws a line through samples, breaks it at a gap of more than 20 min and at missing values', () => {
    const d = trendPath(
      [
        { at: 0, value: 0 },
        { at: 5 * MIN, value: 100 },
        { at: 60 * MIN, value: 50 },
        { at: 65 * MIN, value: null },
        { at: 70 * MIN, value: 50 },
      ],
      0,
      100 * MIN,
      0,
      100,
    );
    // Three segments: a line of two points, then two single points drawn as dots.
    expect(d.match(/M/g)).toHaveLength(3);
    expect(d.match(/L/g)).toHaveLength(1);
  });
});

describe('FleetTrend', () => {
  it('says in words what the last 24 h were, the live figures being the newest point', async () => {
    const now = Date.parse('2026-11-29T12:00:00.000Z');
    const { client } = createMockClient({
      queries: {
        FleetTrend: {
          fleetTrend: [
            { at: new Date(now - 20 * 3600_000).toISOString(), averageTrust: 91.2, openTickets: 7 },
            { at: new Date(now - 10 * 3600_000).toISOString(), averageTrust: 80, openTickets: 12 },
          ],
        },
      },
    });
    renderWithClient(
      <FleetTrend now={{ at: new Date(now).toISOString(), averageTrust: 95, openTickets: 3 }} />,
      client,
    );
    expect((await screen.findByRole('img', { name: /^Fleet trust, 24 h/ })).getAttribute('aria-label')).toBe(
      'Fleet trust, 24 h: 91 at the start, 95 now (lowest 80, highest 95)',
    );
    expect(screen.getByRole('img', { name: /^Open tickets, 24 h/ }).getAttribute('aria-label')).toBe(
      'Open tickets, 24 h: 7 at the start, 3 now (lowest 3, highest 12)',
    );
  });
});
