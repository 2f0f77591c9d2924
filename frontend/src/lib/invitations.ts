// Invitations: what the Users page sends to `createUser` (no password = invite by mail), and the
// checks of the public set-password page (its token from the link, the two password fields).

import type { CreateUserInput, Role } from '../generated/graphql';

export type AddUserMode = 'invite' | 'password';

export interface AddUserForm {
  mode: AddUserMode;
  email: string;
  displayName: string;
  password: string;
  locale: string;
  role: Role;
  tenantId: string;
}

/** The `createUser` input: without a password when inviting, so the API mails a set-password link. */
export function createUserInput(form: AddUserForm): CreateUserInput {
  const input: CreateUserInput = {
    email: form.email.trim(),
    displayName: form.displayName,
    locale: form.locale,
    role: form.role,
    tenantId: form.tenantId,
  };
  if (form.mode === 'password') input.password = form.password;
  return input;
}

/** The one-time token from the invitation link's query string (`?token=pbs_…`), or null. */
export function inviteToken(search: string): string | null {
  const token = new URLSearchParams(search).get('token')?.trim();
  return token ? token : null;
}

export type PasswordProblem = 'empty' | 'mismatch';

/** Client-side checks before calling `setPassword`; strength is left to the API. */
export function checkNewPassword(password: string, confirm: string): { password?: PasswordProblem; confirm?: PasswordProblem } {
  if (password === '') return { password: 'empty' };
  if (password !== confirm) return { confirm: 'mismatch' };
  return {};
}
