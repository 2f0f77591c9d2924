// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DocumentLoader } from '../api/invoiceDocuments';
import { render, type Rendered } from '../testing/render';
import { DocumentDownloads } from './DocumentDownloads';

let view: Rendered | null = null;
afterEach(() => {
  view?.unmount();
  view = null;
});

describe('DocumentDownloads', () => {
  it('downloads the PDF and the CSV as the API sent them, under its file names', async () => {
    const load = vi.fn<DocumentLoader>(async (_id, format) => ({
      data:
        format === 'PDF'
          ? { fileName: 'INIT-2026-000001.pdf', contentType: 'application/pdf', contentBase64: btoa('%PDF-1.7\n%\u00e2\u00e3') }
          : { fileName: 'INIT-2026-000001.csv', contentType: 'text/csv; charset=utf-8', contentBase64: btoa('\u00ef\u00bb\u00bfaccount,amount\n') },
      error: null,
    }));
    const save = vi.fn<(blob: Blob, fileName: string) => void>();
    view = await render(<DocumentDownloads id="inv-1" label="INIT-2026-000001" load={load} save={save} />);
    expect(view.button('Download PDF of INIT-2026-000001').textContent).toBe('Download PDF');

    await view.click(view.button('Download PDF of INIT-2026-000001'));
    expect(load).toHaveBeenCalledWith('inv-1', 'PDF');
    const [pdf, pdfName] = save.mock.calls[0];
    expect(pdfName).toBe('INIT-2026-000001.pdf');
    expect(pdf.type).toBe('application/pdf');
    const bytes = new Uint8Array(await pdf.arrayBuffer());
    expect(new TextDecoder().decode(bytes.slice(0, 5))).toBe('%PDF-');
    expect([...bytes.slice(-2)]).toEqual([0xe2, 0xe3]); // binary bytes survive, not re-encoded as text

    await view.click(view.button('Download CSV of INIT-2026-000001'));
    expect(load).toHaveBeenLastCalledWith('inv-1', 'CSV');
    const [csv, csvName] = save.mock.calls[1];
    expect(csvName).toBe('INIT-2026-000001.csv');
    expect([...new Uint8Array(await csv.arrayBuffer()).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it('shows a refusal next to the buttons and saves nothing', async () => {
    const load = vi.fn<DocumentLoader>(async () => ({
      data: null,
      error: { message: '[GraphQL] not found', networkError: undefined, graphQLErrors: [{ message: 'not found', extensions: { code: 'NOT_FOUND' } } as never] },
    }));
    const save = vi.fn();
    view = await render(<DocumentDownloads id="inv-2" label="X" load={load} save={save} />);
    await view.click(view.button('Download PDF of X'));
    expect(save).not.toHaveBeenCalled();
    expect(view.container.querySelector('[role="alert"]')).not.toBeNull();
    expect(view.button('Download CSV of X').disabled).toBe(false);
  });
});
