// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClientError } from '../api/errors';
import { render, type Rendered } from '../testing/render';
import { InvoiceActions, type InvoiceActionHandlers } from './InvoiceActions';

let view: Rendered | null = null;
afterEach(() => {
  view?.unmount();
  view = null;
});

const admin = { operate: true, administer: true };
const operator = { operate: true, administer: false };
const viewer = { operate: false, administer: false };

const draft = { id: 'a1b2c3d4-0000', status: 'DRAFT' as const, kind: 'INVOICE' as const, partnerView: true, number: null, issueDate: null };
const issued = { ...draft, status: 'ISSUED' as const, number: 'INIT-2026-000001', issueDate: '2026-12-01' };

function handlers(overrides: Partial<InvoiceActionHandlers> = {}) {
  return {
    issue: vi.fn(async () => ({ error: null, number: 'INIT-2026-000002' })),
    markPaid: vi.fn(async () => ({ error: null })),
    void: vi.fn(async () => ({ error: null })),
    deleteDraft: vi.fn(async () => ({ error: null })),
    ...overrides,
  };
}

/** Types into a controlled input as a person would (React listens to the input event). */
async function type(input: HTMLInputElement, value: string) {
  await act(async () => {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

const field = (v: Rendered, label: string) => {
  const l = [...v.container.querySelectorAll('dialog label')].find((x) => x.textContent === label);
  if (!l) throw new Error(`no field ${label}`);
  return v.container.querySelector<HTMLInputElement>(`#${CSS.escape(l.getAttribute('for')!)}`)!;
};
const names = (v: Rendered) => [...v.container.querySelectorAll('button')].map((b) => b.getAttribute('aria-label') ?? b.textContent);

describe('InvoiceActions', () => {
  it('shows a role only the buttons it may use', async () => {
    const h = handlers();
    view = await render(<InvoiceActions invoice={draft} can={admin} handlers={h} done={vi.fn()} />);
    expect(names(view)).toEqual(['Issue Draft', 'Delete draft a1b2c3d4']);
    view.unmount();
    view = await render(<InvoiceActions invoice={draft} can={operator} handlers={h} done={vi.fn()} />);
    expect(names(view)).toEqual(['Delete draft a1b2c3d4']);
    view.unmount();
    view = await render(<InvoiceActions invoice={issued} can={viewer} handlers={h} done={vi.fn()} onCreateNote={vi.fn()} />);
    expect(view.container.querySelectorAll('button')).toHaveLength(0);
    view.unmount();
    view = await render(<InvoiceActions invoice={issued} can={admin} handlers={h} done={vi.fn()} onCreateNote={vi.fn()} />);
    expect(names(view)).toEqual(['Mark INIT-2026-000001 paid', 'Void INIT-2026-000001', 'Create a note on INIT-2026-000001']);
    view.unmount();
    // A customer's user reading their own invoice acts on nothing, whatever the role there.
    view = await render(<InvoiceActions invoice={{ ...issued, partnerView: false }} can={admin} handlers={h} done={vi.fn()} />);
    expect(view.container.querySelectorAll('button')).toHaveLength(0);
  });

  it('issues only after confirming, then says so', async () => {
    const h = handlers();
    const done = vi.fn();
    view = await render(<InvoiceActions invoice={draft} can={admin} handlers={h} done={done} />);
    await view.click(view.button('Issue Draft'));
    expect(h.issue).not.toHaveBeenCalled();
    await view.click(view.button('Issue'));
    expect(h.issue).toHaveBeenCalledWith('a1b2c3d4-0000');
    expect(done).toHaveBeenCalledWith('issued', 'INIT-2026-000002');
    expect(view.container.querySelector('dialog')).toBeNull();
  });

  it('marks paid with a checked date and a reference', async () => {
    const h = handlers();
    const done = vi.fn();
    view = await render(<InvoiceActions invoice={issued} can={admin} handlers={h} done={done} today={() => '2026-12-06'} />);
    await view.click(view.button('Mark INIT-2026-000001 paid'));
    const date = field(view, 'Payment date');
    expect(date.value).toBe('2026-12-06');
    // The reference is required: the confirming button waits for it.
    expect(view.button('Mark paid').disabled).toBe(true);
    await type(field(view, 'Payment reference'), 'WIRE-778');
    await type(date, '2026-11-30');
    await view.click(view.button('Mark paid'));
    expect(h.markPaid).not.toHaveBeenCalled();
    expect(view.container.querySelector('dialog')?.textContent).toContain('not before the issue date');
    await type(date, '2026-12-07');
    await view.click(view.button('Mark paid'));
    expect(view.container.querySelector('dialog')?.textContent).toContain('not after today');
    await type(date, '2026-12-02');
    await view.click(view.button('Mark paid'));
    expect(h.markPaid).toHaveBeenCalledWith('a1b2c3d4-0000', '2026-12-02', 'WIRE-778');
    expect(done).toHaveBeenCalledWith('paid', 'INIT-2026-000001');
  });

  it('voids with a reason; a refusal stays in the dialog and reports nothing done', async () => {
    const refusal: ClientError = {
      message: '[GraphQL] the invoice is paid',
      networkError: undefined,
      graphQLErrors: [{ message: 'the invoice is paid', extensions: { code: 'CONFLICT' } } as never],
    };
    const h = handlers({ void: vi.fn(async () => ({ error: refusal })) });
    const done = vi.fn();
    view = await render(<InvoiceActions invoice={issued} can={admin} handlers={h} done={done} />);
    await view.click(view.button('Void INIT-2026-000001'));
    expect(view.button('Void').disabled).toBe(true);
    await type(field(view, 'Reason'), '  Duplicate  ');
    await view.click(view.button('Void'));
    expect(h.void).toHaveBeenCalledWith('a1b2c3d4-0000', 'Duplicate');
    expect(view.container.querySelector('[role="alert"]')?.textContent).toContain('the invoice is paid');
    expect(done).not.toHaveBeenCalled();
  });

  it('deletes a draft after confirming; Create note hands over to the page', async () => {
    const h = handlers();
    const done = vi.fn();
    view = await render(<InvoiceActions invoice={draft} can={operator} handlers={h} done={done} />);
    await view.click(view.button('Delete draft a1b2c3d4'));
    await view.click(view.button('Cancel'));
    expect(h.deleteDraft).not.toHaveBeenCalled();
    await view.click(view.button('Delete draft a1b2c3d4'));
    await view.click(view.button('Delete draft'));
    expect(h.deleteDraft).toHaveBeenCalledWith('a1b2c3d4-0000');
    expect(done).toHaveBeenCalledWith('deleted', null);
    view.unmount();

    const onCreateNote = vi.fn();
    view = await render(<InvoiceActions invoice={{ ...issued, status: 'PAID' }} can={operator} handlers={h} done={done} onCreateNote={onCreateNote} />);
    await view.click(view.button('Create a note on INIT-2026-000001'));
    expect(onCreateNote).toHaveBeenCalledTimes(1);
  });
});
