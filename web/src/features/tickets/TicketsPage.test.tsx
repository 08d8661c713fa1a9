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
    pageInfo: { endCursor: 'c2', hasNextPage: false },
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
      filter: {
        status: ['OPEN', 'ACKNOWLEDGED'],
        severity: ['HIGH', 'MEDIUM'],
        zoneId: 'hall-a',
        search: null,
        assignee: null,
      },
      first: 50,
      after: null,
      orderBy: 'OPENED_DESC',
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
    fireEvent.click(within(card).getByRole('button', { name: 'Resolve…' }));
    fireEvent.click(within(card).getByRole('button', { name: 'Confirm resolve' }));
    expect((await within(card).findByRole('alert')).textContent).toMatch(/could not be reached|already resolved/);
  });

  it('says so when no ticket matches', async () => {
    const { client } = createMockClient({
      queries: {
        TicketsBoard: { tickets: { totalCount: 0, pageInfo: { endCursor: null, hasNextPage: false }, nodes: [] } },
      },
    });
    renderWithClient(<TicketsPage params={new URLSearchParams()} />, client);
    expect(await screen.findByText('No tickets match these filters.')).toBeTruthy();
  });

  it('resolves only after a confirmation, with the note', async () => {
    const { client, executeMutation } = createMockClient({
      queries: { TicketsBoard: board },
      mutations: { ResolveTicket: ({ id }) => ({ resolveTicket: ticket(id as string, { status: 'RESOLVED' }) }) },
    });
    renderWithClient(<TicketsPage params={new URLSearchParams()} />, client);
    const card = await screen.findByTestId('ticket-t1');
    fireEvent.click(within(card).getByRole('button', { name: 'Resolve…' }));
    expect(executeMutation).not.toHaveBeenCalled();
    fireEvent.change(within(card).getByLabelText('Resolution note (optional)'), {
      target: { value: 'probe replaced' },
    });
    fireEvent.click(within(card).getByRole('button', { name: 'Confirm resolve' }));
    await waitFor(() => expect(executeMutation).toHaveBeenCalledTimes(1));
    expect(executeMutation.mock.calls.at(0)?.[0].variables).toEqual({ id: 't1', note: 'probe replaced' });
  });

  it('warns, alone and in bulk, that a ticket whose fault is still reported will reopen', async () => {
    const live = ticket('t3', {
      title: 'Still out of range',
      sensor: {
        __typename: 'Sensor',
        id: 'hall-a-temp-3',
        name: 'Hall A temperature 3',
        maintenance: [],
        trust: {
          __typename: 'TrustScore',
          reasons: [{ __typename: 'TrustReason', kind: 'OUT_OF_RANGE', active: true, advisory: false }],
        },
        zone: { __typename: 'Zone', id: 'hall-a', name: 'Assembly Hall A' },
      },
    });
    const { client } = createMockClient({
      queries: { TicketsBoard: { tickets: { ...board.tickets, nodes: [...board.tickets.nodes, live] } } },
    });
    renderWithClient(<TicketsPage params={new URLSearchParams()} />, client);
    const quiet = await screen.findByTestId('ticket-t1');
    fireEvent.click(within(quiet).getByRole('button', { name: 'Resolve…' }));
    expect(within(quiet).queryByTestId('fault-still-active')).toBeNull();
    const card = screen.getByTestId('ticket-t3');
    fireEvent.click(within(card).getByRole('button', { name: 'Resolve…' }));
    expect(within(card).getByTestId('fault-still-active').textContent).toContain('will reopen');
    fireEvent.click(within(card).getByRole('checkbox'));
    fireEvent.click(within(quiet).getByRole('checkbox'));
    const bar = screen.getByRole('region', { name: 'Bulk actions' });
    fireEvent.click(within(bar).getByRole('button', { name: 'Resolve…' }));
    expect(within(bar).getByTestId('bulk-fault-still-active').textContent).toMatch(
      /^1 of the 2 selected still report their fault \(Still out of range\)/,
    );
  });

  it('resolves the selected tickets in bulk after a confirmation and says which did not change', async () => {
    const { client, executeMutation } = createMockClient({
      queries: { TicketsBoard: board },
      mutations: {
        BulkUpdateTickets: () => ({
          bulkUpdateTickets: {
            succeeded: 1,
            failed: 1,
            outcomes: [
              { id: 't1', ok: true, message: null, ticket: ticket('t1', { status: 'RESOLVED' }) },
              { id: 't2', ok: false, message: 'Cannot resolve ticket "t2": it is RESOLVED', ticket: null },
            ],
          },
        }),
      },
    });
    renderWithClient(<TicketsPage params={new URLSearchParams()} />, client);
    await screen.findByTestId('ticket-t1');
    fireEvent.click(screen.getByLabelText('Select all on this page'));
    const bar = screen.getByRole('region', { name: 'Bulk actions' });
    expect(within(bar).getByText('2 selected')).toBeTruthy();
    fireEvent.click(within(bar).getByRole('button', { name: 'Resolve…' }));
    expect(executeMutation).not.toHaveBeenCalled();
    fireEvent.change(within(bar).getByLabelText(/Resolution note for 2 tickets/), { target: { value: 'site visit' } });
    fireEvent.click(within(bar).getByRole('button', { name: 'Confirm: resolve 2' }));
    await waitFor(() => expect(executeMutation).toHaveBeenCalledTimes(1));
    expect(executeMutation.mock.calls.at(0)?.[0].variables).toEqual({
      input: { ids: ['t1', 't2'], action: 'RESOLVE', note: 'site visit' },
    });
    const outcome = await screen.findByTestId('bulk-outcome');
    expect(outcome.textContent).toContain('Resolved 1 of 2');
    expect(outcome.textContent).toContain('Humidity stuck: Cannot resolve ticket "t2": it is RESOLVED');
    // Only what did not change stays selected.
    expect(within(bar).getByText('1 selected')).toBeTruthy();
  });

  it('puts search, assignee and order in the URL and pages by cursor', async () => {
    window.location.hash = '#/tickets';
    const { client, executeQuery } = createMockClient({
      queries: {
        TicketsBoard: {
          tickets: { ...board.tickets, totalCount: 120, pageInfo: { endCursor: 'c50', hasNextPage: true } },
        },
      },
    });
    renderWithClient(<TicketsPage params={new URLSearchParams('q=freezer&assignee=ana&sort=SEVERITY_DESC')} />, client);
    await screen.findByTestId('ticket-t1');
    const call = executeQuery.mock.calls.find(([req]) => operationName(req) === 'TicketsBoard')!;
    expect(call[0].variables).toMatchObject({
      filter: { search: 'freezer', assignee: 'ana' },
      orderBy: 'SEVERITY_DESC',
      after: null,
    });
    expect(screen.getByTestId('ticket-count').textContent).toBe('120 matching · showing 1–2');

    fireEvent.click(screen.getByRole('button', { name: 'Next page ›' }));
    const next = new URLSearchParams(window.location.hash.split('?')[1]);
    expect(Object.fromEntries(next)).toMatchObject({
      q: 'freezer',
      assignee: 'ana',
      sort: 'SEVERITY_DESC',
      after: 'c50',
      page: '2',
    });

    fireEvent.change(screen.getByTestId('ticket-search'), { target: { value: 'door' } });
    await waitFor(() => expect(new URLSearchParams(window.location.hash.split('?')[1]).get('q')).toBe('door'));
    // A new search starts from the first page.
    expect(new URLSearchParams(window.location.hash.split('?')[1]).get('after')).toBeNull();
  });
});
