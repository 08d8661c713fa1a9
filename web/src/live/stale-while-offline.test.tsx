import { act, cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OverviewPage } from '../features/overview/OverviewPage';
import { summary } from '../test-support/fixtures';
import { createMockClient, renderWithClient } from '../test-support/mock-client';
import { ConnectionStore } from './connection-store';
import { POLL_INTERVAL_MS } from './use-live-query';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const overview = (sensorCount: number) => ({
  dashboardSummary: summary({ sensorCount }),
  zoneStats: [],
  tickets: { nodes: [] },
});

describe('stale while offline', () => {
  it('keeps the last data with an "as of" marker while the server is unreachable, and refreshes when it is back', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-11-28T12:00:00Z'));
    const store = new ConnectionStore('live');
    let answer: Record<string, unknown> | Error = overview(54);
    const { client } = createMockClient({ queries: { Overview: () => answer } });
    renderWithClient(<OverviewPage />, client, store);
    expect(screen.getByTestId('sensor-count').textContent).toContain('54');
    expect(screen.queryByTestId('stale-marker')).toBeNull();

    // The server goes away: the socket closes and every poll fails.
    answer = new Error('connection refused');
    vi.setSystemTime(new Date('2026-11-28T12:00:30Z'));
    act(() => store.set('offline'));
    act(() => void vi.advanceTimersByTime(3 * POLL_INTERVAL_MS));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByTestId('sensor-count').textContent).toContain('54');
    const marker = screen.getByTestId('stale-marker');
    expect(marker.textContent).toContain('As of');
    expect(marker.textContent).toContain('cannot be reached');
    expect(marker.querySelector('time')!.getAttribute('datetime')).toBe('2026-11-28T12:00:00.000Z');

    // Back: one catch-up refetch brings new data and the marker goes.
    answer = overview(60);
    act(() => store.set('live'));
    expect(screen.getByTestId('sensor-count').textContent).toContain('60');
    expect(screen.queryByTestId('stale-marker')).toBeNull();
  });

  it('marks a revisited page’s cached data as stale until its refresh lands', () => {
    const store = new ConnectionStore('live');
    const fast = createMockClient({ queries: { Overview: overview(54) } });
    const slow = createMockClient({ queries: { Overview: 'pending' } });
    const first = renderWithClient(<OverviewPage />, fast.client, store);
    expect(screen.getByTestId('sensor-count').textContent).toContain('54');
    first.unmount();

    // Revisit while the network is slow to answer: the kept copy shows at once, marked.
    renderWithClient(<OverviewPage />, slow.client, store);
    expect(screen.getByTestId('sensor-count').textContent).toContain('54');
    expect(screen.getByTestId('stale-marker').textContent).toContain('refreshing');
  });
});
