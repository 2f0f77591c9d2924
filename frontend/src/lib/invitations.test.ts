import { describe, expect, it } from 'vitest';
import { checkNewPassword, createUserInput, inviteToken, type AddUserForm } from './invitations';

const form: AddUserForm = {
  mode: 'invite',
  email: '  new@example.com ',
  displayName: 'New Person',
  password: 'typed then hidden 1234',
  locale: 'zh-CN',
  role: 'VIEWER',
  tenantId: 't1',
};

describe('createUserInput', () => {
  it('leaves the password out when inviting by email, even if one was typed before', () => {
    const input = createUserInput(form);
    expect(input).toEqual({ email: 'new@example.com', displayName: 'New Person', locale: 'zh-CN', role: 'VIEWER', tenantId: 't1' });
    expect('password' in input).toBe(false);
  });

  it('sends the password when it is set now', () => {
    expect(createUserInput({ ...form, mode: 'password' }).password).toBe('typed then hidden 1234');
  });
});

describe('inviteToken', () => {
  it('reads the token from the query string', () => {
    expect(inviteToken('?token=pbs_abc-DEF_123')).toBe('pbs_abc-DEF_123');
    expect(inviteToken('?lang=zh&token=pbs_x%2By')).toBe('pbs_x+y');
  });

  it('is null without a token', () => {
    expect(inviteToken('')).toBeNull();
    expect(inviteToken('?token=')).toBeNull();
    expect(inviteToken('?token=%20')).toBeNull();
  });
});

describe('checkNewPassword', () => {
  it('asks for a password', () => {
    expect(checkNewPassword('', '')).toEqual({ password: 'empty' });
  });

  it('flags a confirmation that differs', () => {
    expect(checkNewPassword('a long passphrase 1', 'a long passphrase 2')).toEqual({ confirm: 'mismatch' });
  });

  it('leaves strength to the API', () => {
    expect(checkNewPassword('short', 'short')).toEqual({});
  });
});
