import { describe, expect, it } from 'vitest';
import { checkPolicyDocument, EMPTY_POLICY, MAX_DOCUMENT_CHARS } from './policy';

const policy = (statement: unknown) => JSON.stringify({ Version: '2012-10-17', Statement: statement });

describe('checkPolicyDocument', () => {
  it('accepts a policy with one statement or a list of them', () => {
    expect(checkPolicyDocument(EMPTY_POLICY)).toBeNull();
    expect(checkPolicyDocument(policy({ Effect: 'Deny', Action: '*', Resource: '*' }))).toBeNull();
  });

  it('names broken JSON', () => {
    expect(checkPolicyDocument('{"Version": ')?.kind).toBe('invalidJson');
  });

  it('refuses other versions, no statements, and non-objects', () => {
    expect(checkPolicyDocument(JSON.stringify({ Version: '2008-10-17', Statement: [{}] }))).toEqual({ kind: 'notPolicy' });
    expect(checkPolicyDocument(policy([]))).toEqual({ kind: 'notPolicy' });
    expect(checkPolicyDocument('[1]')).toEqual({ kind: 'notPolicy' });
    expect(checkPolicyDocument('null')).toEqual({ kind: 'notPolicy' });
  });

  it('counts the minified document, so indentation does not count against the limit', () => {
    const statements = Array.from({ length: 60 }, (_, i) => ({ Sid: `S${i}`, Effect: 'Deny', Action: 's3:x', Resource: '*' }));
    const pretty = JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 8);
    expect(pretty.length).toBeGreaterThan(MAX_DOCUMENT_CHARS);
    expect(checkPolicyDocument(pretty)).toBeNull();
    const tooLong = policy({ Effect: 'Deny', Action: 'x'.repeat(MAX_DOCUMENT_CHARS), Resource: '*' });
    expect(checkPolicyDocument(tooLong)?.kind).toBe('tooLong');
  });
});
