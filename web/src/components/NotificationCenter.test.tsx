import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { signIn } from '../stores/auth';
import { routes, session, userWithRole } from '../test/fetch';
import { controlledStream, streamResponse } from '../test/stream';
import { NotificationCenter } from './NotificationCenter';

const lowBalance = {
  id: 'ntf_9',
  seq: 9,
  type: 'balance.low',
  tenant_id: 'ten_1',
  message: 'The balance is $4.00, below the low-balance threshold of $5.00.',
  data: { balance_micros: 4_000_000, threshold_micros: 5_000_000 },
  created_at: '2026-11-24T10:00:00.000Z',
};

describe('notification toasts', () => {
  it('shows a pushed alert as a toast, in the reader’s words, until dismissed', async () => {
    signIn(session('tok'));
    const body = controlledStream();
    const fetchMock = routes({ 'GET /api/notifications/stream': () => streamResponse(body.stream) });
    render(<NotificationCenter />);
    await waitFor(() => expect(fetchMock).toHaveBeenCalled());
    expect(new Headers(fetchMock.mock.calls[0]?.[1]?.headers).get('Accept')).toBe('text/event-stream');
    body.push(`id: 9\nevent: notification\ndata: ${JSON.stringify(lowBalance)}\n\n`);
    const toast = await screen.findByTestId('toast');
    expect(toast.textContent).toContain('Low balance');
    expect(toast.textContent).toContain('The balance is $4.00, below $5.00.');
    expect(sessionStorage.getItem('aggregator.notifications.seq.ten_1')).toBe('9');
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss “Low balance”' }));
    expect(screen.queryByTestId('toast')).toBeNull();
    body.close();
  });

  it('does not listen for roles without billing', () => {
    signIn(session('tok', userWithRole('developer')));
    const fetchMock = routes({});
    render(<NotificationCenter />);
    expect(fetchMock).not.toHaveBeenCalled();
    expect(screen.getByRole('region', { name: 'Notifications' })).toBeTruthy();
  });
});
