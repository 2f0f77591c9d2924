import { describe, expect, it } from 'vitest';
import { auditFilter } from './audit';

const base = { eventName: '', from: '', to: '', errorsOnly: false, writesOnly: false };

describe('auditFilter', () => {
  it('no filter when the form is empty (errors-only is applied on the page)', () => {
    expect(auditFilter(base)).toBeNull();
    expect(auditFilter({ ...base, errorsOnly: true })).toBeNull();
  });

  it('an inclusive "to" day becomes the exclusive start of the next day', () => {
    const filter = auditFilter({ ...base, from: '2026-01-31', to: '2026-01-31' });
    const from = new Date(filter!.from as string);
    const to = new Date(filter!.to as string);
    expect(to.getTime() - from.getTime()).toBe(24 * 3600 * 1000);
    expect(from.getDate()).toBe(31);
    expect(to.getDate()).toBe(1);
  });

  it('trims the event name and asks for writes only', () => {
    expect(auditFilter({ ...base, eventName: ' registerPayer ', writesOnly: true })).toEqual({ eventName: 'registerPayer', readOnly: false });
  });
});
