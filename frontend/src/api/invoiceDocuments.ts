import { useCallback } from 'react';
import { useClient } from 'urql';
import type { ClientError } from './errors';
import { InvoiceDocumentDocument, type DocumentFormat } from '../generated/graphql';

export interface DownloadedDocument {
  fileName: string;
  contentType: string;
  contentBase64: string;
}

/** Loads a document as PDF or CSV (always from the network: a draft's PDF changes when drafted again). */
export type DocumentLoader = (id: string, format: DocumentFormat) => Promise<{ data: DownloadedDocument | null; error: ClientError | null }>;

export function useDocumentLoader(): DocumentLoader {
  const client = useClient();
  return useCallback<DocumentLoader>(
    async (id, format) => {
      const res = await client.query(InvoiceDocumentDocument, { id, format }, { requestPolicy: 'network-only' }).toPromise();
      return { data: res.data?.invoiceDocument ?? null, error: res.error ?? null };
    },
    [client],
  );
}
