import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ticket } from '../../test-support/fixtures';
import { createMockClient, renderWithClient } from '../../test-support/mock-client';
import { SensorPage } from './SensorPage';

afterEach(cleanup);

const trust = (status: string, score: number, reasons: unknown[]) => ({
  __typename: 'TrustScore',
  score,
  status,
  severity: reasons.length ? 'HIGH' : 'NONE',
  lastEvaluated: '2026-11-28T12:00:00.000Z',
  reasons,
});

const sensor = {
  __typename: 'Sensor',
  id: 'hall-a-temp-1',
  name: 'Hall A temperature 1',
  kind: 'temperature',
  unit: '°C',
  minValue: -30,
  maxValue: 60,
  expectedIntervalSeconds: 5,
  silences: [],
  maintenance: [],
  zone: { __typename: 'Zone', id: 'hall-a', name: 'Assembly Hall A' },
  trust: trust('FAULTY', 18, [
    {
      __typename: 'TrustReason',
      kind: 'OUT_OF_RANGE',
      severity: 'HIGH',
      message: '6 of the last 10 readings above 60 °C',
      since: '2026-11-28T11:58:00.000Z',
      active: true,
      clearedAt: null,
      advisory: false,
    },
  ]),
  series: [
    {
      __typename: 'SeriesPoint',
      at: '2026-11-28T11:59:50.000Z',
      min: 21.4,
      max: 21.4,
      avg: 21.4,
      count: 1,
      flagged: 0,
    },
    { __typename: 'SeriesPoint', at: '2026-11-28T11:59:55.000Z', min: 75, max: 75, avg: 75, count: 1, flagged: 1 },
  ],
  trustHistory: [
    { __typename: 'TrustPoint', at: '2026-11-28T11:50:00.000Z', score: 95, status: 'HEALTHY', reasons: [] },
    {
      __typename: 'TrustPoint',
      at: '2026-11-28T11:58:00.000Z',
      score: 18,
      status: 'FAULTY',
      reasons: [{ __typename: 'TrustPointReason', kind: 'OUT_OF_RANGE', severity: 'HIGH', advisory: false }],
    },
  ],
  tickets: [ticket('t1')],
};

describe('SensorPage', () => {
  it('explains the reasons in words and lists the sensor’s tickets', async () => {
    const { client } = createMockClient({ queries: { Sensor: { sensor } } });
    renderWithClient(<SensorPage sensorId="hall-a-temp-1" />, client);

    expect((await screen.findByRole('heading', { level: 1 })).textContent).toBe('Hall A temperature 1');
    expect(screen.getByText(/plausible range -30 – 60 °C/)).toBeTruthy();
    const panel = screen.getByTestId('sensor-trust');
    expect(panel.textContent).toContain('FAULTY');
    expect(within(panel).getByRole('meter').getAttribute('aria-valuenow')).toBe('18');
    expect(document.querySelector('.reason-list')!.textContent).toContain('Out of range');
    expect(screen.getByText('6 of the last 10 readings above 60 °C')).toBeTruthy();
    expect(screen.getByText(/outside what this sensor can plausibly measure/)).toBeTruthy();
    expect(screen.getByTestId('ticket-t1')).toBeTruthy();
    expect(screen.getByLabelText('Readings over time')).toBeTruthy();
  });

  it('says why the sensor was unhealthy in each period of its history, and names the time zone', async () => {
    const { client } = createMockClient({ queries: { Sensor: { sensor } } });
    renderWithClient(<SensorPage sensorId="hall-a-temp-1" />, client);
    const periods = await screen.findByTestId('history-periods');
    expect(periods.textContent).toMatch(/faulty.*Out of range.*HIGH/);
    expect(screen.getByTestId('range-shown').textContent).toContain('times in');
    expect(screen.getByRole('button', { name: 'Download CSV' })).toBeTruthy();
    expect(screen.getByRole('button', { name: '30 d' })).toBeTruthy();
  });

  it('shows trust pushed by sensorUpdated', async () => {
    const { client } = createMockClient({
      queries: { Sensor: { sensor } },
      subscriptions: {
        SensorUpdated: [
          { sensorUpdated: { __typename: 'Sensor', id: 'hall-a-temp-1', trust: trust('HEALTHY', 91, []) } },
        ],
      },
    });
    renderWithClient(<SensorPage sensorId="hall-a-temp-1" />, client);
    const panel = await screen.findByTestId('sensor-trust');
    expect(panel.textContent).toContain('HEALTHY');
    expect(screen.getByText(/No problems detected/)).toBeTruthy();
  });

  it('names what a recovering sensor recovers from, and when it cleared', async () => {
    const recovering = {
      ...sensor,
      trust: trust('DEGRADED', 62, [
        {
          __typename: 'TrustReason',
          kind: 'STUCK',
          severity: 'HIGH',
          message: 'flat at 22 °C for 67 readings',
          since: '2026-11-28T10:00:00.000Z',
          active: false,
          clearedAt: '2026-11-28T11:30:00.000Z',
          advisory: false,
        },
      ]),
    };
    const { client } = createMockClient({ queries: { Sensor: { sensor: recovering } } });
    renderWithClient(<SensorPage sensorId="hall-a-temp-1" />, client);
    const item = (await screen.findByText('Recovering from stuck value')).closest('li')!;
    expect(item.textContent).toContain('cleared at');
    expect(item.querySelector('time')!.getAttribute('dateTime')).toBe('2026-11-28T11:30:00.000Z');
    expect(item.textContent).toContain('It was: flat at 22 °C for 67 readings');
    expect(screen.queryByText(/no fault is active any more/)).toBeNull();
  });

  it('says when the sensor does not exist', async () => {
    const { client } = createMockClient({ queries: { Sensor: { sensor: null } } });
    renderWithClient(<SensorPage sensorId="nope" />, client);
    expect((await screen.findByText(/does not exist/)).textContent).toContain('nope');
  });
});
