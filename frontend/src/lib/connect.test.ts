import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEPLOY_PERMISSIONS, connectTenants, deployPolicy, isAccountId, resumeStep, roleArnFor, stepStates, wizardPayer } from './connect';

const tenant = (id: string, kind = 'CUSTOMER') => ({ id, kind, name: `T ${id}` });

describe('connectTenants', () => {
  it('is the customer tenants the user administers, each once, not via a payer and not partner tiers', () => {
    expect(
      connectTenants([
        { role: 'ADMIN', tenant: tenant('c1') },
        { role: 'ADMIN', tenant: tenant('c1') },
        { role: 'VIEWER', tenant: tenant('c2') },
        { role: 'OPERATOR', tenant: tenant('c3') },
        { role: 'ADMIN', tenant: tenant('r1', 'RESELLER') },
        { role: 'ADMIN', tenant: tenant('c4'), payer: { id: 'p1' } },
        { role: 'ADMIN', tenant: null },
      ]),
    ).toEqual([{ id: 'c1', name: 'T c1' }]);
    expect(connectTenants([{ role: 'VIEWER', tenant: tenant('c1') }])).toEqual([]);
  });
});

describe('account ids and the role', () => {
  it('takes 12 digits only, leading zeros kept', () => {
    expect(isAccountId('012345678901')).toBe(true);
    expect(isAccountId('12345678901')).toBe(false);
    expect(isAccountId('0123456789012')).toBe(false);
    expect(isAccountId('01234567890a')).toBe(false);
    expect(roleArnFor('012345678901')).toBe('arn:aws:iam::012345678901:role/PartnerBillingAccess');
  });

  it('names the role the template creates by default', () => {
    const template = readFileSync(fileURLToPath(new URL('../../../cloudformation/payer-access-role.yaml', import.meta.url)), 'utf8');
    expect(template).toMatch(/RoleName:\n\s+Type: String\n(?:.*\n)*?\s+Default: PartnerBillingAccess\n/);
  });
});

const payer = (id: string, status: 'PENDING' | 'CONNECTED' | 'ERROR' | 'RESELLER', createdAt: string) => ({ id, status, createdAt });

describe('wizardPayer and resumeStep', () => {
  it('continues with the connected payer, else the newest registered one; never a reseller payer', () => {
    expect(wizardPayer([])).toBeNull();
    expect(wizardPayer([payer('r', 'RESELLER', '2026-12-09T00:00:00Z')])).toBeNull();
    expect(wizardPayer([payer('a', 'PENDING', '2026-12-01T00:00:00Z'), payer('b', 'ERROR', '2026-12-03T00:00:00Z'), payer('r', 'RESELLER', '2026-12-09T00:00:00Z')])?.id).toBe('b');
    expect(wizardPayer([payer('a', 'PENDING', '2026-12-05T00:00:00Z'), payer('c', 'CONNECTED', '2026-12-01T00:00:00Z')])?.id).toBe('c');
  });

  it('opens on the step the customer left', () => {
    expect(resumeStep(null, null)).toBe('account');
    expect(resumeStep({ status: 'PENDING' }, null)).toBe('deploy');
    expect(resumeStep({ status: 'ERROR' }, null)).toBe('deploy');
    expect(resumeStep({ status: 'CONNECTED' }, null)).toBe('export');
    expect(resumeStep({ status: 'CONNECTED' }, { selectedExport: null, health: 'WARNING' })).toBe('export');
    // The export selected earlier no longer passes: back to the exports.
    expect(resumeStep({ status: 'CONNECTED' }, { selectedExport: 'cur2', health: 'FAILED' })).toBe('export');
    expect(resumeStep({ status: 'CONNECTED' }, { selectedExport: 'cur2', health: 'SUCCESS' })).toBe('insights');
  });

  it('marks the steps before the current one done', () => {
    expect(stepStates('export').map((s) => `${s.step}:${s.state}`)).toEqual(['account:done', 'deploy:done', 'export:current', 'confirm:todo', 'insights:todo']);
    expect(stepStates('done').every((s) => s.state === 'done')).toBe(true);
    expect(stepStates('account')[0].state).toBe('current');
  });
});

describe('the permissions to deploy the stack', () => {
  const all = [...DEPLOY_PERMISSIONS.cloudformation, ...DEPLOY_PERMISSIONS.iam, ...DEPLOY_PERMISSIONS.rollback];

  it('lists what CloudFormation calls for the template, rollback included', () => {
    expect(all).toEqual([
      'cloudformation:CreateStack',
      'cloudformation:DescribeStacks',
      'cloudformation:DescribeStackEvents',
      'cloudformation:GetTemplateSummary',
      'iam:CreateRole',
      'iam:GetRole',
      'iam:PutRolePolicy',
      'iam:GetRolePolicy',
      'iam:TagRole',
      'iam:DeleteRole',
      'iam:DeleteRolePolicy',
    ]);
  });

  it('matches the template: a role with inline policies and role policies, no managed policy', () => {
    const template = readFileSync(fileURLToPath(new URL('../../../cloudformation/payer-access-role.yaml', import.meta.url)), 'utf8');
    const types = [...template.matchAll(/^\s+Type: (AWS::\S+)$/gm)].map((m) => m[1]);
    // A new kind of resource in the template needs its permissions here.
    expect([...new Set(types)].sort()).toEqual(['AWS::IAM::Role', 'AWS::IAM::RolePolicy']);
    expect(template).not.toMatch(/ManagedPolicyArns|PermissionsBoundary|AWS::IAM::InstanceProfile/);
    expect(all).not.toContain('iam:AttachRolePolicy');
  });

  it('as a policy: CloudFormation on any stack, IAM only on the role in this account', () => {
    const policy = JSON.parse(deployPolicy('012345678901')) as { Statement: { Action: string[]; Resource: string }[] };
    expect(policy.Statement.map((s) => s.Resource)).toEqual(['*', 'arn:aws:iam::012345678901:role/PartnerBillingAccess']);
    expect(policy.Statement.flatMap((s) => s.Action)).toEqual(all);
    expect(policy.Statement[1].Action.every((a) => a.startsWith('iam:'))).toBe(true);
  });
});
