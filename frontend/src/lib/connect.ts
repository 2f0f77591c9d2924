// Self-service connection (/connect, issue #22 item 2): which tenant a customer admin connects,
// which of its payers the wizard continues with, at which step, and what the person deploying
// the CloudFormation stack needs in IAM.

import type { CostExportValidationFieldsFragment, PayerFieldsFragment } from '../generated/graphql';
import type { Role } from './roles';

export interface ConnectMembership {
  role: Role;
  tenant: { id: string; kind: string; name: string } | null;
  payer?: { id: string } | null;
}

/** The template's default RoleName (cloudformation/payer-access-role.yaml). */
export const ROLE_NAME = 'PartnerBillingAccess';

/** How often the wizard asks about the payer while it waits for the connection. */
export const CONNECTION_POLL_MS = 5000;

export function isAccountId(value: string): boolean {
  return /^\d{12}$/.test(value);
}

/** The role the quick-create stack makes, as the Payers page suggests it. */
export function roleArnFor(accountId: string): string {
  return `arn:aws:iam::${accountId}:role/${ROLE_NAME}`;
}

/**
 * The tenants on which the user may connect an AWS account: customer tenants they administer
 * themselves (an ADMIN membership on the tenant, not one on a payer). Each once, in order.
 */
export function connectTenants(memberships: readonly ConnectMembership[]): { id: string; name: string }[] {
  const seen = new Map<string, string>();
  for (const m of memberships) {
    if (m.role === 'ADMIN' && !m.payer && m.tenant?.kind === 'CUSTOMER' && !seen.has(m.tenant.id)) seen.set(m.tenant.id, m.tenant.name);
  }
  return [...seen].map(([id, name]) => ({ id, name }));
}

export const WIZARD_STEPS = ['account', 'deploy', 'export', 'confirm', 'insights'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number] | 'done';

/**
 * The payer a returning customer continues with: the first CONNECTED one of their tenant, else
 * the newest registered (reseller payers have no AWS access and never count).
 */
export function wizardPayer<P extends Pick<PayerFieldsFragment, 'status' | 'createdAt'>>(payers: readonly P[]): P | null {
  const own = payers.filter((p) => p.status !== 'RESELLER');
  const connected = own.find((p) => p.status === 'CONNECTED');
  if (connected) return connected;
  return own.reduce<P | null>((newest, p) => (!newest || p.createdAt > newest.createdAt ? p : newest), null);
}

/**
 * Where the wizard opens: no payer → the account id; registered but not connected (PENDING or
 * ERROR: the server keeps checking) → the stack and the wait; connected → the exports, unless an
 * export is already selected and passing, then the optional insights.
 */
export function resumeStep(
  payer: Pick<PayerFieldsFragment, 'status'> | null,
  validation: Pick<CostExportValidationFieldsFragment, 'selectedExport' | 'health'> | null,
): WizardStep {
  if (!payer) return 'account';
  if (payer.status !== 'CONNECTED') return 'deploy';
  if (validation?.selectedExport && validation.health !== 'FAILED') return 'insights';
  return 'export';
}

/** Each step's state on the stepper. */
export function stepStates(current: WizardStep): { step: (typeof WIZARD_STEPS)[number]; state: 'done' | 'current' | 'todo' }[] {
  const at = current === 'done' ? WIZARD_STEPS.length : WIZARD_STEPS.indexOf(current);
  return WIZARD_STEPS.map((step, i) => ({ step, state: i < at ? 'done' : i === at ? 'current' : 'todo' }));
}

/**
 * What the person deploying payer-access-role.yaml needs, besides acknowledging
 * CAPABILITY_NAMED_IAM in the console (the template names its role). The template makes one
 * AWS::IAM::Role with inline policies (Policies) and, when their parameters are given, two
 * AWS::IAM::RolePolicy resources: no managed policies (so no iam:AttachRolePolicy), no instance
 * profile. iam:TagRole is for the stack's tags, which CloudFormation puts on the role.
 */
export const DEPLOY_PERMISSIONS = {
  cloudformation: ['cloudformation:CreateStack', 'cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents', 'cloudformation:GetTemplateSummary'],
  iam: ['iam:CreateRole', 'iam:GetRole', 'iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:TagRole'],
  /** When the stack fails and CloudFormation rolls back what it made. */
  rollback: ['iam:DeleteRole', 'iam:DeleteRolePolicy'],
} as const;

/**
 * The permissions above as an IAM policy to copy: CloudFormation on any stack, IAM only on the
 * role the template makes in this account.
 */
export function deployPolicy(accountId: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'DeployPartnerBillingStack', Effect: 'Allow', Action: [...DEPLOY_PERMISSIONS.cloudformation], Resource: '*' },
        {
          Sid: 'CreatePartnerBillingRole',
          Effect: 'Allow',
          Action: [...DEPLOY_PERMISSIONS.iam, ...DEPLOY_PERMISSIONS.rollback],
          Resource: `arn:aws:iam::${accountId}:role/${ROLE_NAME}`,
        },
      ],
    },
    null,
    2,
  );
}
