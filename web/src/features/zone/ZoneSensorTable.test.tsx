import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { makeFragmentData } from '../../gql';
import type { TrustStatus, ZoneSensorRow_SensorFragment } from '../../gql/graphql';
import { readTableState, tableQuery, ZoneSensorRowFragment, ZoneSensorTable } from './ZoneSensorTable';

afterEach(cleanup);

type Reason = ZoneSensorRow_SensorFragment['trust']['reasons'][number];

// Built with the codegen's makeFragmentData: a field the fragment does not
// select, or a wrong enum value, is a type error here.
const row = (
  id: string,
  name: string,
  kind: string,
  score: number,
  status: TrustStatus,
  lastAt: string,
  reasons: Reason[] = [],
) =>
  makeFragmentData(
    {
      id,
      name,
      kind,
      unit: kind === 'temperature' ? '°C' : '%',
      trust: { score, status, reasons },
      lastReading: { timestamp: lastAt, value: 21.5 },
    },
    ZoneSensorRowFragment,
  );

const sensors = [
  row('t-1', 'Temperature 1', 'temperature', 97, 'HEALTHY', '2026-11-28T12:00:00.000Z'),
  row('t-2', 'Temperature 2', 'temperature', 22, 'FAULTY', '2026-11-28T11:00:00.000Z', [
    { kind: 'OUT_OF_RANGE', severity: 'HIGH', message: '12 of 20 readings above 60 °C' },
  ]),
  row('h-1', 'Humidity 1', 'humidity', 64, 'DEGRADED', '2026-11-28T11:30:00.000Z', [
    { kind: 'STUCK', severity: 'MEDIUM', message: 'Value constant for 10 min' },
  ]),
];

const rowNames = () =>
  screen
    .getAllByRole('row')
    .slice(1)
    .map((r) => within(r).getAllByRole('link')[0]?.textContent);

describe('ZoneSensorTable', () => {
  it('lists the least trusted sensors first, with status in words and reasons', () => {
    render(<ZoneSensorTable sensors={sensors} />);
    expect(rowNames()).toEqual(['Temperature 2', 'Humidity 1', 'Temperature 1']);
    const faulty = screen.getByTestId('sensor-row-t-2');
    expect(faulty.textContent).toContain('FAULTY');
    expect(within(faulty).getByTitle('12 of 20 readings above 60 °C').textContent).toMatch(/out of range/i);
  });

  it('sorts by the clicked column and reverses on a second click', () => {
    render(<ZoneSensorTable sensors={sensors} />);
    fireEvent.click(screen.getByRole('button', { name: /Sensor/ }));
    expect(rowNames()).toEqual(['Humidity 1', 'Temperature 1', 'Temperature 2']);
    fireEvent.click(screen.getByRole('button', { name: /Sensor/ }));
    expect(rowNames()).toEqual(['Temperature 2', 'Temperature 1', 'Humidity 1']);
    fireEvent.click(screen.getByRole('button', { name: /Last reading/ }));
    expect(rowNames()).toEqual(['Temperature 2', 'Humidity 1', 'Temperature 1']);
  });

  it('filters by text, status and kind', () => {
    render(<ZoneSensorTable sensors={sensors} />);
    fireEvent.change(screen.getByRole('searchbox'), { target: { value: 'temp' } });
    expect(rowNames()).toEqual(['Temperature 2', 'Temperature 1']);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Healthy' }));
    expect(rowNames()).toEqual(['Temperature 1']);
    fireEvent.change(screen.getByRole('searchbox'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Healthy' }));
    fireEvent.change(screen.getByRole('combobox'), { target: { value: 'humidity' } });
    expect(rowNames()).toEqual(['Humidity 1']);
    expect(screen.getByText('1 of 3 sensors')).toBeTruthy();
  });

  it('shows a reading pushed after the query as the last reading', () => {
    const live = new Map([['t-1', { timestamp: '2026-11-28T12:00:05.000Z', value: 23.75 }]]);
    render(<ZoneSensorTable sensors={sensors} liveReadings={live} />);
    expect(screen.getByTestId('sensor-row-t-1').textContent).toContain('23.75');
  });

  it('keeps its filters and order in URL parameters, and reads them back', () => {
    const state = readTableState(new URLSearchParams('sort=name&dir=desc&q=co2&status=FAULTY,DEGRADED&kind=co2'));
    expect(state.sort).toEqual({ key: 'name', asc: false });
    expect([...state.statuses]).toEqual(['FAULTY', 'DEGRADED']);
    expect(tableQuery(state)).toEqual({ sort: 'name', dir: 'desc', q: 'co2', status: 'FAULTY,DEGRADED', kind: 'co2' });
    expect(tableQuery(readTableState(new URLSearchParams()))).toEqual({});
  });
});
