import { describe, expect, it } from 'vitest';
import type { TenantKind } from '../generated/graphql';
import { groupCustomerKinds, isResellerPayer, offersResellerPayer, payerNameProblem } from './resellers';

describe('reseller payers', () => {
  it('knows a reseller’s payer by its status or its upstream billing group', () => {
    expect(isResellerPayer({ status: 'RESELLER', upstreamBillingGroupId: 'g-1' })).toBe(true);
    expect(isResellerPayer({ status: 'RESELLER' })).toBe(true);
    expect(isResellerPayer({ status: 'PENDING', upstreamBillingGroupId: 'g-1' })).toBe(true);
    expect(isResellerPayer({ status: 'CONNECTED', upstreamBillingGroupId: null })).toBe(false);
  });

  it('offers a payer to a reseller or distributor customer, or one whose kind is unknown, never to an end customer or no customer', () => {
    const kinds = new Map<string, TenantKind>([
      ['t-resell', 'RESELLER'],
      ['t-dist', 'DISTRIBUTOR'],
      ['t-acme', 'CUSTOMER'],
    ]);
    const kindOf = (id: string) => kinds.get(id);
    expect(offersResellerPayer('t-resell', kindOf)).toBe(true);
    expect(offersResellerPayer('t-dist', kindOf)).toBe(true);
    expect(offersResellerPayer('t-unlisted', kindOf)).toBe(true);
    expect(offersResellerPayer('t-acme', kindOf)).toBe(false);
    expect(offersResellerPayer(null, kindOf)).toBe(false);
  });

  it('lets end customers, resellers and distributors be a group’s customer, not the platform', () => {
    expect((['PLATFORM', 'DISTRIBUTOR', 'RESELLER', 'CUSTOMER'] as const).filter(groupCustomerKinds)).toEqual(['DISTRIBUTOR', 'RESELLER', 'CUSTOMER']);
  });

  it('checks the new payer’s name as the API does (1 to 200 characters, trimmed)', () => {
    expect(payerNameProblem('  ')).toBe('required');
    expect(payerNameProblem('x'.repeat(200))).toBeNull();
    expect(payerNameProblem(` ${'x'.repeat(200)} `)).toBeNull();
    expect(payerNameProblem('x'.repeat(201))).toBe('tooLong');
    expect(payerNameProblem('经销商'.repeat(66))).toBeNull();
  });
});
