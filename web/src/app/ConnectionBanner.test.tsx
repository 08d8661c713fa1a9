import { act, cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OverviewPage } from '../features/overview/OverviewPage';
import { ConnectionStore } from '../live/connection-store';
import { POLL_INTERVAL_MS } from '../live/use-live-query';
import { summary } from '../test-support/fixtures';
import { createMockClient, operationName, renderWithClient } from '../test-support/mock-client';
import { ConnectionBanner } from './ConnectionBanner';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const overview = { dashboardSummary: summary(), zoneStats: [], tickets: { nodes: [] } };
const overviewCalls = (calls: unknown[][]) =>
  calls.filter(([req]) => operationName(req as never) === 'Overview').length;

describe('live updates fallback', () => {
  it('says live updates are paused while the socket is down, polls every 10 s, and stops when it is back', () => {
    vi.useFakeTimers();
    const store = new ConnectionStore('live');
    const { client, executeQuery } = createMockClient({ queries: { Overview: overview } });
    renderWithClient(
      <>
        <ConnectionBanner />
        <OverviewPage />
      </>,
      client,
      store,
    );
    expect(screen.queryByTestId('connection-banner')).toBeNull();

    // No polling while the socket is up.
    act(() => void vi.advanceTimersByTime(3 * POLL_INTERVAL_MS));
    expect(overviewCalls(executeQuery.mock.calls)).toBe(1);

    act(() => store.set('offline'));
    expect(screen.getByTestId('connection-banner').textContent).toContain(
      'Live updates paused — reconnecting; refreshing every 10 s',
    );
    act(() => void vi.advanceTimersByTime(2 * POLL_INTERVAL_MS));
    expect(overviewCalls(executeQuery.mock.calls)).toBe(3);

    // Back online: one catch-up refetch, banner gone, no more polling.
    act(() => store.set('live'));
    expect(screen.queryByTestId('connection-banner')).toBeNull();
    expect(overviewCalls(executeQuery.mock.calls)).toBe(4);
    act(() => void vi.advanceTimersByTime(3 * POLL_INTERVAL_MS));
    expect(overviewCalls(executeQuery.mock.calls)).toBe(4);
  });
});
