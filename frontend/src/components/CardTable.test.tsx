// @vitest-environment happy-dom
import type { CombinedError } from 'urql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, type Rendered } from '../testing/render';
import { CardTable } from './CardTable';

let view: Rendered | null = null;
afterEach(() => {
  view?.unmount();
  view = null;
});

const rows = (
  <tr data-testid="rule-row">
    <th scope="row">Markup 5%</th>
    <td>5%</td>
  </tr>
);

const texts = (nodes: NodeListOf<Element>) => [...nodes].map((n) => n.textContent);

describe('CardTable', () => {
  it('is a card whose heading names it and its table; falsy columns are left out; the footer is a tfoot', async () => {
    view = await render(
      <CardTable
        title="Pricing rules"
        columns={['Name', 'Modifier', false && 'Actions']}
        actions={<button type="button">New rule</button>}
        footer={
          <tr>
            <th scope="row">Total</th>
            <td>5%</td>
          </tr>
        }
        testId="rules"
      >
        {rows}
      </CardTable>,
    );
    const card = view.container.querySelector('section.card')!;
    expect(card.getAttribute('data-testid')).toBe('rules');
    const heading = card.querySelector('h2')!;
    expect(heading.textContent).toBe('Pricing rules');
    expect(card.getAttribute('aria-labelledby')).toBe(heading.id);
    const table = card.querySelector('table')!;
    expect(table.getAttribute('aria-labelledby')).toBe(heading.id);
    expect(texts(table.querySelectorAll('thead th'))).toEqual(['Name', 'Modifier']);
    expect(texts(table.querySelectorAll('tbody tr'))).toEqual(['Markup 5%5%']);
    expect(texts(table.querySelectorAll('tfoot th'))).toEqual(['Total']);
    expect(card.querySelector('.page-head .row-actions')?.textContent).toBe('New rule');
  });

  it('two tables on a page are each named by their own heading, at the level asked for', async () => {
    view = await render(
      <>
        <CardTable title="Plans" columns={['Name']} level={3}>
          {rows}
        </CardTable>
        <CardTable title="Items" columns={['Name']} level={3}>
          {rows}
        </CardTable>
      </>,
    );
    const tables = [...view.container.querySelectorAll('table')];
    const names = tables.map((t) => view!.container.querySelector(`[id="${t.getAttribute('aria-labelledby')}"]`));
    expect(names.map((h) => h?.tagName)).toEqual(['H3', 'H3']);
    expect(names.map((h) => h?.textContent)).toEqual(['Plans', 'Items']);
  });

  it('shows the empty text instead of the table when there are no rows', async () => {
    view = await render(
      <CardTable title="Pricing rules" columns={['Name']} empty emptyText="No pricing rules yet.">
        {null}
      </CardTable>,
    );
    expect(view.container.querySelector('table')).toBeNull();
    expect(view.container.querySelector('.state-empty')?.textContent).toBe('No pricing rules yet.');
    expect(view.container.querySelector('h2')?.textContent).toBe('Pricing rules');
  });

  it('shows loading, then an error with Retry, in place of the table', async () => {
    view = await render(
      <CardTable title="Billing groups" columns={['Name']} loading>
        {rows}
      </CardTable>,
    );
    expect(view.container.querySelector('table')).toBeNull();
    expect(view.container.querySelector('[role="status"]')?.textContent).toBe('Loading…');
    view.unmount();

    const onRetry = vi.fn();
    const error = { message: '[Network] offline', networkError: new Error('offline'), graphQLErrors: [] } as unknown as CombinedError;
    view = await render(
      <CardTable title="Billing groups" columns={['Name']} error={error} onRetry={onRetry}>
        {rows}
      </CardTable>,
    );
    expect(view.container.querySelector('table')).toBeNull();
    expect(view.container.querySelector('[role="alert"]')?.textContent).toContain('offline');
    await view.click(view.button('Retry'));
    expect(onRetry).toHaveBeenCalledTimes(1);
  });
});
