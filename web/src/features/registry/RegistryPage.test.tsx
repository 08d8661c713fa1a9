import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockClient, operationName, renderWithClient } from '../../test-support/mock-client';
import { RegistryPage } from './RegistryPage';
import { SensorAdmin } from './SensorAdmin';
import { SensorForm } from './SensorForm';

afterEach(cleanup);

const registry = {
  zones: [
    { __typename: 'Zone', id: 'hall-a', name: 'Assembly Hall A', description: null, sensors: [{ id: 's1' }] },
    { __typename: 'Zone', id: 'old', name: 'Old store', description: 'closed', sensors: [] },
  ],
  retired: {
    totalCount: 1,
    nodes: [
      {
        __typename: 'Sensor',
        id: 'gone-1',
        name: 'Gone 1',
        kind: 'temperature',
        retiredAt: '2026-11-29T10:00:00.000Z',
        zone: { id: 'hall-a', name: 'Assembly Hall A' },
      },
    ],
  },
};

describe('RegistryPage', () => {
  it('deletes a zone only after a confirmation, and shows the server refusal with its code', async () => {
    const { client, executeMutation } = createMockClient({
      queries: { Registry: registry },
      mutations: {
        DeleteZone: (v) =>
          v.id === 'hall-a'
            ? {
                errors: [
                  {
                    message: 'Zone "hall-a" still holds 1 sensor (retired ones count): move or delete them first',
                    extensions: { code: 'ZONE_NOT_EMPTY' },
                  },
                ],
              }
            : { deleteZone: true },
      },
    });
    renderWithClient(<RegistryPage />, client);
    const row = await screen.findByTestId('registry-zone-hall-a');
    fireEvent.click(within(row).getByRole('button', { name: 'Delete…' }));
    expect(executeMutation).not.toHaveBeenCalled();
    fireEvent.click(within(row).getByRole('button', { name: 'Confirm: delete' }));
    const alert = await within(row).findByRole('alert');
    expect(alert.textContent).toContain('still holds 1 sensor');
    expect(alert.textContent).toContain('ZONE_NOT_EMPTY');
    expect(operationName(executeMutation.mock.calls[0]![0])).toBe('DeleteZone');
  });

  it('lists retired sensors with a Reactivate button', async () => {
    const { client, executeMutation } = createMockClient({
      queries: { Registry: registry },
      mutations: {
        ReactivateSensor: () => ({
          reactivateSensor: {
            id: 'gone-1',
            retiredAt: null,
            trust: { sensorId: 'gone-1', status: 'UNKNOWN', score: 50 },
          },
        }),
      },
    });
    renderWithClient(<RegistryPage />, client);
    const item = await screen.findByTestId('retired-gone-1');
    fireEvent.click(within(item).getByRole('button', { name: 'Reactivate' }));
    await waitFor(() => expect(executeMutation).toHaveBeenCalled());
    expect(executeMutation.mock.calls[0]![0].variables).toEqual({ id: 'gone-1' });
  });
});

describe('SensorForm', () => {
  it('sends numbers and nulls for the plausible range, interval and heartbeat', async () => {
    const { client, executeMutation } = createMockClient({
      queries: { RegistryZoneOptions: { zones: [{ id: 'hall-a', name: 'Assembly Hall A' }] } },
      mutations: { UpsertSensor: (v) => ({ upsertSensor: { id: (v.input as { id: string }).id } }) },
    });
    let done = '';
    renderWithClient(<SensorForm zoneId="hall-a" onDone={(id) => (done = id)} onCancel={() => undefined} />, client);
    fireEvent.change(screen.getByLabelText('Id'), { target: { value: ' hall-a/t9 ' } });
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Probe 9' } });
    fireEvent.change(screen.getByLabelText('Plausible min'), { target: { value: '-20' } });
    fireEvent.change(screen.getByLabelText('Plausible max'), { target: { value: '60.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Register sensor' }));
    await waitFor(() => expect(done).toBe('hall-a/t9'));
    expect(executeMutation.mock.calls[0]![0].variables).toEqual({
      input: {
        id: 'hall-a/t9',
        name: 'Probe 9',
        kind: 'temperature',
        unit: null,
        zoneId: 'hall-a',
        minValue: -20,
        maxValue: 60.5,
        expectedIntervalSeconds: 60,
        heartbeatSeconds: null,
      },
    });
  });

  it('refuses a range bound that is not a number before asking the server', () => {
    const { client, executeMutation } = createMockClient({ queries: { RegistryZoneOptions: { zones: [] } } });
    renderWithClient(<SensorForm onDone={() => undefined} onCancel={() => undefined} />, client);
    fireEvent.change(screen.getByLabelText('Id'), { target: { value: 'x' } });
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'X' } });
    fireEvent.change(screen.getByLabelText('Plausible max'), { target: { value: 'hot' } });
    fireEvent.click(screen.getByRole('button', { name: 'Register sensor' }));
    expect(screen.getByRole('alert').textContent).toBe('maxValue must be a number');
    expect(executeMutation).not.toHaveBeenCalled();
  });
});

describe('SensorAdmin', () => {
  const sensor = { id: 's1', name: 'Probe 1', kind: 'temperature' };

  it('retires only after a confirmation, with the note', async () => {
    const { client, executeMutation } = createMockClient({
      mutations: {
        RetireSensor: () => ({ retireSensor: { id: 's1', retiredAt: '2026-11-29T10:00:00Z', tickets: [] } }),
      },
    });
    renderWithClient(<SensorAdmin sensor={sensor} retiredAt={null} />, client);
    fireEvent.click(screen.getByRole('button', { name: 'Retire…' }));
    expect(executeMutation).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText(/Why/), { target: { value: 'replaced' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm: retire' }));
    await waitFor(() => expect(executeMutation).toHaveBeenCalled());
    expect(executeMutation.mock.calls[0]![0].variables).toEqual({ id: 's1', note: 'replaced' });
  });

  it('offers Reactivate for a retired sensor', () => {
    const { client } = createMockClient();
    renderWithClient(<SensorAdmin sensor={sensor} retiredAt="2026-11-29T10:00:00Z" />, client);
    expect(screen.getByRole('button', { name: 'Reactivate' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Retire…' })).toBeNull();
  });
});
