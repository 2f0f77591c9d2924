import { describe, expect, it } from 'vitest';
import { dashboardUrlChange, dashboardUrlProblem, shownDashboardUrl } from './links';

const QUICKSIGHT = 'https://eu-west-1.quicksight.aws.amazon.com/sn/dashboards/0b5d1a34-cid';

describe('dashboardUrlProblem (as the API checks)', () => {
  it('accepts an https link, and empty (which removes the link)', () => {
    expect(dashboardUrlProblem(QUICKSIGHT)).toBeNull();
    expect(dashboardUrlProblem(`  ${QUICKSIGHT} `)).toBeNull();
    expect(dashboardUrlProblem('')).toBeNull();
    expect(dashboardUrlProblem('   ')).toBeNull();
  });

  it('refuses anything but an absolute https link with a host and no credentials', () => {
    expect(dashboardUrlProblem('http://quicksight.aws.amazon.com/')).toBe('https');
    expect(dashboardUrlProblem('javascript:alert(1)')).toBe('https');
    expect(dashboardUrlProblem('//quicksight.aws.amazon.com/')).toBe('https');
    expect(dashboardUrlProblem('quicksight.aws.amazon.com')).toBe('https');
    expect(dashboardUrlProblem('https://')).toBe('format');
    expect(dashboardUrlProblem('https://user:secret@quicksight.aws.amazon.com/')).toBe('credentials');
    expect(dashboardUrlProblem('https://user@quicksight.aws.amazon.com/')).toBe('credentials');
    expect(dashboardUrlProblem(`https://example.com/${'a'.repeat(2048)}`)).toBe('tooLong');
    expect(dashboardUrlProblem('https://example.com/\nsecond-line')).toBe('tooLong');
  });
});

describe('shownDashboardUrl (defence in depth)', () => {
  it('shows an https link and nothing else', () => {
    expect(shownDashboardUrl(QUICKSIGHT)).toBe(QUICKSIGHT);
    expect(shownDashboardUrl(null)).toBeNull();
    expect(shownDashboardUrl(undefined)).toBeNull();
    expect(shownDashboardUrl('')).toBeNull();
    expect(shownDashboardUrl('http://quicksight.aws.amazon.com/')).toBeNull();
    expect(shownDashboardUrl('javascript:alert(document.cookie)')).toBeNull();
    expect(shownDashboardUrl(' javascript:alert(1)//https://x')).toBeNull();
    expect(shownDashboardUrl('data:text/html,<script>alert(1)</script>')).toBeNull();
    expect(shownDashboardUrl('https://user:pw@example.com/')).toBeNull();
  });
});

describe('dashboardUrlChange', () => {
  it('sends nothing when unchanged, "" to remove, else the trimmed link', () => {
    expect(dashboardUrlChange(QUICKSIGHT, QUICKSIGHT)).toBeUndefined();
    expect(dashboardUrlChange('', null)).toBeUndefined();
    expect(dashboardUrlChange('', QUICKSIGHT)).toBe('');
    expect(dashboardUrlChange(`  ${QUICKSIGHT} `, null)).toBe(QUICKSIGHT);
  });
});
