// Turns a GraphQL client error into what a form shows: messages next to the fields the API
// named in `extensions.field`, and one message for the rest.

import type { CombinedError } from 'urql';

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'VALIDATION'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'INTERNAL'
  | 'NETWORK';

const KNOWN_CODES: ReadonlySet<string> = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'VALIDATION',
  'CONFLICT',
  'RATE_LIMITED',
  'INTERNAL',
]);

export interface FormError {
  code: ErrorCode;
  /** The API's own message (English), for details. */
  message: string;
  /**
   * The AWS error code when an AWS call failed (`extensions.awsErrorCode`). Such a message says
   * what failed and why, so it is shown even when the code is INTERNAL.
   */
  awsErrorCode?: string;
}

export interface MappedErrors<F extends string> {
  /** Per form field: the API's message without its "field: " prefix. */
  fields: Partial<Record<F, string>>;
  /** Errors that belong to no field on this form. */
  form: FormError | null;
}

/** The parts of urql's CombinedError this module reads (so tests can build plain objects). */
export type ClientError = Pick<CombinedError, 'graphQLErrors' | 'networkError' | 'message'>;

/** Strips the API's "field: " prefix from a validation message. */
export function fieldDetail(field: string, message: string): string {
  const prefix = `${field}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

export function errorCode(extensions: Record<string, unknown> | undefined): ErrorCode {
  const code = extensions?.code;
  return typeof code === 'string' && KNOWN_CODES.has(code) ? (code as ErrorCode) : 'INTERNAL';
}

/**
 * Maps an error onto a form. `fieldMap` lists the form's fields by the API's input field name
 * (e.g. `{ email: 'email', tenantId: 'tenant' }`); a VALIDATION error naming any other field, or
 * none, becomes the form-level error.
 */
export function mapErrors<F extends string>(
  error: ClientError | null | undefined,
  fieldMap: Readonly<Record<string, F>>,
): MappedErrors<F> {
  const result: MappedErrors<F> = { fields: {}, form: null };
  if (!error) return result;
  if (error.networkError && error.graphQLErrors.length === 0) {
    result.form = { code: 'NETWORK', message: error.networkError.message };
    return result;
  }
  for (const gqlError of error.graphQLErrors) {
    const code = errorCode(gqlError.extensions);
    const apiField = gqlError.extensions?.field;
    if (code === 'VALIDATION' && typeof apiField === 'string' && Object.hasOwn(fieldMap, apiField)) {
      const formField = fieldMap[apiField];
      if (result.fields[formField] === undefined) result.fields[formField] = fieldDetail(apiField, gqlError.message);
    } else if (result.form === null) {
      result.form = { code, message: gqlError.message };
      const aws = gqlError.extensions?.awsErrorCode;
      if (typeof aws === 'string' && aws !== '') result.form.awsErrorCode = aws;
    }
  }
  if (result.form === null && Object.keys(result.fields).length === 0) {
    result.form = { code: 'INTERNAL', message: error.message };
  }
  return result;
}

/** The first error's code, for list and page states. */
export function firstErrorCode(error: ClientError | null | undefined): ErrorCode | null {
  if (!error) return null;
  if (error.graphQLErrors.length > 0) return errorCode(error.graphQLErrors[0].extensions);
  return 'NETWORK';
}

/**
 * What the server's AWS client says when the AWS endpoint does not offer a call at all (an AWS
 * emulator such as moto, in the demo and the tests, lacks Organizations handshakes, Billing
 * Conductor, Data Exports): the SDK gets an answer it cannot read (`Unexpected`) or an explicit
 * "not implemented". Real AWS answers those calls.
 */
const UNAVAILABLE_AWS_CODES: ReadonlySet<string> = new Set(['Unexpected', 'NotImplemented', 'NotImplementedException', 'InvalidAction', 'UnknownOperationException']);

/** `organizations ListHandshakesForOrganization` from "organizations ListHandshakesForOrganization failed". */
function awsCall(message: string): string {
  const match = /^([a-z0-9-]+ [A-Za-z0-9]+) failed/.exec(message);
  return match ? match[1] : '';
}

/**
 * When the error is an AWS call this environment's endpoint does not offer (see above): the
 * call's name, so the page can say the feature is not available here instead of "server error".
 */
export function awsUnavailable(error: FormError | null | undefined): { call: string } | null {
  if (!error || error.code !== 'INTERNAL' || !error.awsErrorCode || !UNAVAILABLE_AWS_CODES.has(error.awsErrorCode)) return null;
  return { call: awsCall(error.message) };
}

/** The same, for a query's error (the first error decides). */
export function queryAwsUnavailable(error: ClientError | null | undefined): { call: string } | null {
  return error ? awsUnavailable(mapErrors(error, {}).form) : null;
}
