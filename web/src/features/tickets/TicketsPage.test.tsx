import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockClient, operationName, renderWithClient } from '../../test-support/mock-client';
import { ticket } from '../../test-support/fixtures';
import { TicketsPage } from './TicketsPage';

afterEach(cleanup);

const board = {
  tickets: {
    __typename: 'TicketConnection',
    totalCount: 2,
    nodes: [
      ticket('t1'),
      ticket('t2', {
        status: 'ACKNOWLEDGED',
        severity: 'MEDIUM',
        kind: 'STUCK',
        title: 'Humidity stuck',
        assignee: 'ana',
      }),
    ],
  },
};

describe('TicketsPage', () => {
  it('puts tickets in columns by status and passes the URL filters to the query', async () => {
    const { client, executeQuery } = createMockClient({
      queries: { TicketsBoard: board, ZoneOptions: { zones: [{ id: 'hall-a', name: 'Assembly Hall A' }] } },
    });
    renderWithClient(
      <TicketsPage params={new URLSearchParams('status=OPEN,ACKNOWLEDGED&severity=HIGH,MEDIUM&zone=hall-a')} />,
      client,
    );

    const open = await screen.findByRole('region', { name: 'Open' });
    expect(within(open).getByText('Ticket t1: readings out of range')).toBeTruthy();
    const acked = screen.getByRole('region', { name: 'Acknowledged' });
    expect(within(acked).getByText('Humidity stuck')).toBeTruthy();
    expect(within(acked).getByText('ana')).toBeTruthy();
    expect(screen.queryByRole('region', { name: 'Resolved' })).toBeNull();

    const call = executeQuery.mock.calls.find(([req]) => operationName(req) === 'TicketsBoard')!;
    expect(call[0].variables).toEqual({
      filter: { status: ['OPEN', 'ACKNOWLEDGED'], severity: ['HIGH', 'MEDIUM'], zoneId: 'hall-a' },
    });
  });

  it('acknowledges, assigns and comments through the mutations', async () => {
    const { client, executeMutation } = createMockClient({
      queries: { TicketsBoard: board },
      mutations: {
        AcknowledgeTicket: ({ id }) => ({ acknowledgeTicket: ticket(id as string, { status: 'ACKNOWLEDGED' }) }),
        AssignTicket: ({ id, assignee }) => ({ assignTicket: ticket(id as string, { assignee }) }),
        CommentTicket: ({ id }) => ({ commentTicket: ticket(id as string) }),
      },
    });
    const sent = (n: number) => {
      const call = executeMutation.mock.calls[n];
      if (!call) throw new Error(`mutation #${n + 1} was not sent`);
      return call[0];
    };
    renderWithClient(<TicketsPage params={new URLSearchParams()} />, client);
    const card = await screen.findByTestId('ticket-t1');

    fireEvent.click(within(card).getByRole('button', { name: 'Acknowledge' }));
    await waitFor(() => expect(executeMutation).toHaveBeenCalledTimes(1));
    expect(operationName(sent(0))).toBe('AcknowledgeTicket');
    expect(sent(0).variables).toEqual({ id: 't1' });

    fireEvent.click(within(card).getByRole('button', { name: 'Assign…' }));
    fireEvent.change(within(card).getByLabelText('Assignee'), { target: { value: 'Mo' } });
    fireEvent.click(within(card).getByRole('button', { name: 'Assign' }));
    await waitFor(() => expect(executeMutation).toHaveBeenCalledTimes(2));
    expect(sent(1).variables).toEqual({ id: 't1', assignee: 'Mo' });

    fireEvent.click(within(card).getByRole('button', { name: 'Comment…' }));
    fireEvent.change(within(card).getByLabelText('Comment'), { target: { value: 'replaced the probe' } });
    fireEvent.click(within(card).getByRole('button', { name: 'Add comment' }));
    await waitFor(() => expect(executeMutation).toHaveBeenCalledTimes(3));
    expect(operationName(sent(2))).toBe('CommentTicket');
    expect(sent(2).variables).toEqual({ id: 't1', note: 'replaced the probe' });
  });

  it('shows the server’s refusal next to the ticket', async () => {
    const { client } = createMockClient({
      queries: { TicketsBoard: board },
      mutations: { ResolveTicket: () => new Error('ticket t1 is already resolved') as never },
    });
    renderWithClient(<TicketsPage params={new URLSearchParams()} />, client);
    const card = await screen.findByTestId('ticket-t1');
    fireEvent.click(within(card).getByRole('button', { name: 'Resolve' }));
    expect((await within(card).findByRole('alert')).textContent).toMatch(/could not be reached|already resolved/);
  });

  it('says so when no ticket matches', async () => {
    const { client } = createMockClient({ queries: { TicketsBoard: { tickets: { totalCount: 0, nodes: [] } } } });
    renderWithClient(<TicketsPage params={new URLSearchParams()} />, client);
    expect(await screen.findByText('No tickets match these filters.')).toBeTruthy();
  });
});
