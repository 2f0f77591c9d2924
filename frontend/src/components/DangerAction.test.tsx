// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClientError } from '../api/errors';
import { render, type Rendered } from '../testing/render';
import { DangerAction, type DangerOutcome } from './DangerAction';

function apiError(message: string, extensions: Record<string, unknown>): ClientError {
  return { message: `[GraphQL] ${message}`, networkError: undefined, graphQLErrors: [{ message, extensions } as never] };
}

/** A promise the test settles when it chooses, to look at the dialog while the action runs. */
function deferred() {
  let settle!: (outcome: DangerOutcome) => void;
  const promise = new Promise<DangerOutcome>((resolve) => (settle = resolve));
  return { promise, settle };
}

let view: Rendered | null = null;
afterEach(() => {
  view?.unmount();
  view = null;
});

async function renderDelete(props: Partial<Parameters<typeof DangerAction>[0]> = {}) {
  const onConfirm = vi.fn<() => Promise<DangerOutcome>>(async () => ({ error: null }));
  const onClose = vi.fn();
  view = await render(
    <DangerAction
      label="Delete"
      name="Delete Initech"
      title="Delete Initech?"
      confirmLabel="Delete tenant"
      onConfirm={onConfirm}
      onClose={onClose}
      {...props}
    >
      <p>Its users lose access.</p>
    </DangerAction>,
  );
  return { view, onConfirm: (props.onConfirm as typeof onConfirm | undefined) ?? onConfirm, onClose };
}

const dialog = (v: Rendered) => v.container.querySelector('dialog');
const alertText = (v: Rendered) => v.container.querySelector('[role="alert"]')?.textContent ?? null;

describe('DangerAction', () => {
  it('asks first: the button opens a dialog with the question and what happens, and runs nothing', async () => {
    const { view, onConfirm } = await renderDelete();
    expect(dialog(view)).toBeNull();
    const opener = view.button('Delete Initech');
    expect(opener.textContent).toBe('Delete');
    expect(opener.className).toBe('danger');

    await view.click(opener);
    const open = dialog(view);
    expect(open?.open).toBe(true);
    expect(open?.querySelector('h2')?.textContent).toBe('Delete Initech?');
    expect(open?.getAttribute('aria-labelledby')).toBe(open?.querySelector('h2')?.id);
    expect(open?.textContent).toContain('Its users lose access.');
    expect(view.button('Delete tenant').className).toBe('danger');
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it('Cancel closes the dialog without running the action', async () => {
    const { view, onConfirm, onClose } = await renderDelete();
    await view.click(view.button('Delete Initech'));
    await view.click(view.button('Cancel'));
    expect(dialog(view)).toBeNull();
    expect(onConfirm).not.toHaveBeenCalled();
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('confirming runs the action once, keeps the dialog busy while it runs, then closes it', async () => {
    const pending = deferred();
    const { view, onConfirm, onClose } = await renderDelete({ onConfirm: vi.fn(() => pending.promise) });
    await view.click(view.button('Delete Initech'));
    await view.click(view.button('Delete tenant'));
    expect(onConfirm).toHaveBeenCalledTimes(1);
    expect(dialog(view)).not.toBeNull();
    expect(view.button('Delete tenant').disabled).toBe(true);
    expect(onClose).not.toHaveBeenCalled();

    await view.click(view.button('Delete tenant'));
    expect(onConfirm).toHaveBeenCalledTimes(1);

    await act(async () => pending.settle({ error: null }));
    expect(dialog(view)).toBeNull();
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("keeps the dialog open with the API's error in it, and forgets the error when reopened", async () => {
    const { view, onClose } = await renderDelete({
      onConfirm: vi.fn(async () => ({ error: apiError('the tenant still has payers', { code: 'CONFLICT' }) })),
    });
    await view.click(view.button('Delete Initech'));
    expect(alertText(view)).toBeNull();
    await view.click(view.button('Delete tenant'));
    expect(dialog(view)).not.toBeNull();
    expect(alertText(view)).toBe('That conflicts with existing data. the tenant still has payers');
    expect(view.button('Delete tenant').disabled).toBe(false);
    expect(onClose).not.toHaveBeenCalled();

    await view.click(view.button('Cancel'));
    await view.click(view.button('Delete Initech'));
    expect(alertText(view)).toBeNull();
  });

  it("leaves an error for one of the dialog's own fields to that field", async () => {
    const { view } = await renderDelete({
      fields: { endDate: 'endDate' },
      onConfirm: vi.fn(async () => ({ error: apiError('endDate: is before the start', { code: 'VALIDATION', field: 'endDate' }) })),
    });
    await view.click(view.button('Delete Initech'));
    await view.click(view.button('Delete tenant'));
    expect(dialog(view)).not.toBeNull();
    expect(alertText(view)).toBeNull();
  });

  it('stays open without a message when the action answers false', async () => {
    const { view, onClose } = await renderDelete({ onConfirm: vi.fn(async () => false) });
    await view.click(view.button('Delete Initech'));
    await view.click(view.button('Delete tenant'));
    expect(dialog(view)).not.toBeNull();
    expect(alertText(view)).toBeNull();
    expect(onClose).not.toHaveBeenCalled();
  });

  it('a disabled button does not open; confirmDisabled holds the confirming button; the plain tone is not red', async () => {
    const first = await renderDelete({ disabled: true });
    expect(first.view.button('Delete Initech').disabled).toBe(true);
    first.view.unmount();

    const { view, onConfirm } = await renderDelete({ confirmDisabled: true, tone: 'plain', small: true });
    expect(view.button('Delete Initech').className).toBe('small');
    await view.click(view.button('Delete Initech'));
    const confirm = view.button('Delete tenant');
    expect(confirm.disabled).toBe(true);
    expect(confirm.className).toBe('primary');
    await view.click(confirm);
    expect(onConfirm).not.toHaveBeenCalled();
  });
});
