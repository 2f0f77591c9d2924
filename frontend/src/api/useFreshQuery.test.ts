import { describe, expect, it } from 'vitest';
import { answersVariables } from './useFreshQuery';

describe('answersVariables', () => {
  it('an answer for the same variables (in any key order) is this one', () => {
    expect(answersVariables({ billingGroupId: 'g', from: '2026-01', to: '2026-03' }, { to: '2026-03', from: '2026-01', billingGroupId: 'g' })).toBe(true);
    expect(answersVariables({ input: { payerIds: ['p'], from: '2026-01-01' } }, { input: { from: '2026-01-01', payerIds: ['p'] } })).toBe(true);
  });

  it("the previous range's answer is not", () => {
    expect(answersVariables({ billingGroupId: 'g', from: '2026-01', to: '2026-03' }, { billingGroupId: 'g', from: '2026-01', to: '2026-06' })).toBe(false);
    expect(answersVariables({ input: { payerIds: ['p', 'q'] } }, { input: { payerIds: ['q', 'p'] } })).toBe(false);
  });

  it('no answer yet is not an answer', () => {
    expect(answersVariables(undefined, {})).toBe(false);
  });
});
