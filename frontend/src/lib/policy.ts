// Checks an SCP document in the browser before it is sent, the same way the API does
// (api/src/domain/policies.rs): valid JSON, Version 2012-10-17, at least one Statement, and at
// most 5,120 characters once minified. The API checks again.

export const MAX_DOCUMENT_CHARS = 5120;

export type PolicyProblem =
  | { kind: 'invalidJson'; detail: string }
  | { kind: 'notPolicy' }
  | { kind: 'tooLong'; chars: number };

export function checkPolicyDocument(text: string): PolicyProblem | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'invalidJson', detail: error instanceof Error ? error.message : String(error) };
  }
  const doc = value as { Version?: unknown; Statement?: unknown } | null;
  const statement = doc?.Statement;
  const hasStatement =
    (typeof statement === 'object' && statement !== null && !Array.isArray(statement)) || (Array.isArray(statement) && statement.length > 0);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || doc.Version !== '2012-10-17' || !hasStatement) {
    return { kind: 'notPolicy' };
  }
  // Characters, not UTF-16 units, as AWS counts them.
  const chars = [...JSON.stringify(value)].length;
  if (chars > MAX_DOCUMENT_CHARS) return { kind: 'tooLong', chars };
  return null;
}

/** A starting document: deny nothing yet, ready to edit. */
export const EMPTY_POLICY = JSON.stringify(
  { Version: '2012-10-17', Statement: [{ Sid: 'Example', Effect: 'Deny', Action: ['ec2:PurchaseReservedInstancesOffering'], Resource: '*' }] },
  null,
  2,
);
