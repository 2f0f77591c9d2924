import { describe, expect, it } from 'vitest';
import { awsUnavailable, fieldDetail, firstErrorCode, mapErrors, queryAwsUnavailable, type ClientError } from './errors';

function gqlError(message: string, extensions: Record<string, unknown>): ClientError {
  return { message: `[GraphQL] ${message}`, networkError: undefined, graphQLErrors: [{ message, extensions } as never] };
}

const FIELDS = { email: 'email', password: 'password', tenantId: 'tenant' } as const;

describe('mapErrors', () => {
  it('puts a VALIDATION error next to the field the API named, without the prefix', () => {
    const mapped = mapErrors(gqlError('email: is not a valid email address', { code: 'VALIDATION', field: 'email' }), FIELDS);
    expect(mapped.fields).toEqual({ email: 'is not a valid email address' });
    expect(mapped.form).toBeNull();
  });

  it('maps API field names onto differently named form fields', () => {
    const mapped = mapErrors(gqlError('tenantId: give exactly one', { code: 'VALIDATION', field: 'tenantId' }), FIELDS);
    expect(mapped.fields).toEqual({ tenant: 'give exactly one' });
  });

  it('a VALIDATION error for a field the form does not have becomes the form error', () => {
    const mapped = mapErrors(gqlError('first: must be between 1 and 100', { code: 'VALIDATION', field: 'first' }), FIELDS);
    expect(mapped.fields).toEqual({});
    expect(mapped.form).toEqual({ code: 'VALIDATION', message: 'first: must be between 1 and 100' });
  });

  it('other codes become the form error with their code', () => {
    const mapped = mapErrors(gqlError('a user with this email already exists', { code: 'CONFLICT' }), FIELDS);
    expect(mapped.form).toEqual({ code: 'CONFLICT', message: 'a user with this email already exists' });
  });

  it('keeps the AWS error code of a failed AWS call, so its message can be shown', () => {
    const aws = mapErrors(gqlError('Billing Conductor: the service is not available here', { code: 'INTERNAL', awsErrorCode: 'Unexpected' }), FIELDS);
    expect(aws.form).toEqual({ code: 'INTERNAL', message: 'Billing Conductor: the service is not available here', awsErrorCode: 'Unexpected' });
    expect(mapErrors(gqlError('internal error', { code: 'INTERNAL' }), FIELDS).form).not.toHaveProperty('awsErrorCode');
  });

  it('unknown or missing codes are treated as INTERNAL', () => {
    expect(mapErrors(gqlError('boom', {}), FIELDS).form?.code).toBe('INTERNAL');
    expect(mapErrors(gqlError('boom', { code: 'TEAPOT' }), FIELDS).form?.code).toBe('INTERNAL');
  });

  it('keeps several field errors and the first form error', () => {
    const error: ClientError = {
      message: 'x',
      networkError: undefined,
      graphQLErrors: [
        { message: 'email: bad', extensions: { code: 'VALIDATION', field: 'email' } },
        { message: 'password: is too common; choose another', extensions: { code: 'VALIDATION', field: 'password' } },
        { message: 'forbidden', extensions: { code: 'FORBIDDEN' } },
        { message: 'also', extensions: { code: 'CONFLICT' } },
      ] as never,
    };
    const mapped = mapErrors(error, FIELDS);
    expect(mapped.fields).toEqual({ email: 'bad', password: 'is too common; choose another' });
    expect(mapped.form).toEqual({ code: 'FORBIDDEN', message: 'forbidden' });
  });

  it('a network failure is a NETWORK form error', () => {
    const error: ClientError = { message: '[Network] Failed to fetch', networkError: new Error('Failed to fetch'), graphQLErrors: [] };
    expect(mapErrors(error, FIELDS)).toEqual({ fields: {}, form: { code: 'NETWORK', message: 'Failed to fetch' } });
    expect(firstErrorCode(error)).toBe('NETWORK');
  });

  it('no error, nothing to show', () => {
    expect(mapErrors(undefined, FIELDS)).toEqual({ fields: {}, form: null });
  });

  it('fieldDetail leaves messages without the prefix alone', () => {
    expect(fieldDetail('name', 'name: must be 1 to 200 characters')).toBe('must be 1 to 200 characters');
    expect(fieldDetail('name', 'something else')).toBe('something else');
  });

  it('a field named like an Object prototype key is not mistaken for a form field', () => {
    const mapped = mapErrors(gqlError('constructor: x', { code: 'VALIDATION', field: 'constructor' }), FIELDS);
    expect(mapped.fields).toEqual({});
    expect(mapped.form?.code).toBe('VALIDATION');
  });
});

describe('an AWS call this environment does not offer', () => {
  it('is recognised from INTERNAL with the SDK not understanding the answer (moto lacks handshakes)', () => {
    // What the API answers for invitations against moto (seen in the browser test).
    const error = gqlError('organizations ListHandshakesForOrganization failed', { code: 'INTERNAL', awsErrorCode: 'Unexpected' });
    expect(queryAwsUnavailable(error)).toEqual({ call: 'organizations ListHandshakesForOrganization' });
    expect(awsUnavailable(mapErrors(error, {}).form)).toEqual({ call: 'organizations ListHandshakesForOrganization' });
  });

  it('is not a refusal by AWS, a server error without an AWS code, or another code', () => {
    expect(queryAwsUnavailable(gqlError('organizations InviteAccountToOrganization failed: not allowed', { code: 'INTERNAL', awsErrorCode: 'AccessDeniedException' }))).toBeNull();
    expect(queryAwsUnavailable(gqlError('internal error', { code: 'INTERNAL' }))).toBeNull();
    expect(queryAwsUnavailable(gqlError('too many', { code: 'RATE_LIMITED', awsErrorCode: 'Unexpected' }))).toBeNull();
    expect(queryAwsUnavailable(null)).toBeNull();
  });
});
