import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, isEnumType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { auditActor, CODES, codeLabel, healthReason, lagText, SHOWN_ENUMS, UNSHOWN_ENUMS } from './codes';
import { en, interpolate, zh, type MessageKey } from './messages';

const schema = buildSchema(readFileSync(fileURLToPath(new URL('../../../api/schema.graphql', import.meta.url)), 'utf8'));
const enums = Object.values(schema.getTypeMap()).filter((type) => isEnumType(type) && !type.name.startsWith('__'));

const tEn = (key: MessageKey, vars?: Record<string, string | number>) => interpolate(en[key], vars);
const tZh = (key: MessageKey, vars?: Record<string, string | number>) => interpolate(zh[key], vars);

describe('GraphQL enums shown to people', () => {
  it('reads the enums of api/schema.graphql', () => {
    expect(enums.map((e) => e.name)).toContain('Role');
  });

  it.each(enums.map((e) => [e.name, e] as const))('%s is either shown (with words for every value) or listed as not shown', (name, type) => {
    if (!isEnumType(type)) throw new Error('not an enum');
    const prefix = SHOWN_ENUMS[name];
    if (prefix === undefined) {
      expect(UNSHOWN_ENUMS[name], `${name}: a new enum; add it to SHOWN_ENUMS (with messages) or UNSHOWN_ENUMS in codes.ts`).toBeTruthy();
      return;
    }
    for (const { value } of type.getValues()) {
      const key = `${prefix}.${String(value)}`;
      expect(Object.hasOwn(en, key), `${key} in English`).toBe(true);
      expect(Object.hasOwn(zh, key), `${key} in Chinese`).toBe(true);
    }
  });

  it('lists no enum the schema no longer has', () => {
    const names = new Set(enums.map((e) => e.name));
    expect([...Object.keys(SHOWN_ENUMS), ...Object.keys(UNSHOWN_ENUMS)].filter((n) => !names.has(n))).toEqual([]);
  });
});

describe('codes sent as strings', () => {
  it.each(Object.entries(CODES).flatMap(([family, codes]) => codes.map((code) => [family, code] as const)))('%s %s has words in both languages', (family, code) => {
    const key = `${family}.${code}`;
    expect(Object.hasOwn(en, key), key).toBe(true);
    expect(Object.hasOwn(zh, key), key).toBe(true);
  });

  it('shows a code it does not know as it is', () => {
    expect(codeLabel(tEn, 'jobKind', 'accounts.sync')).toBe('Sync accounts');
    expect(codeLabel(tZh, 'jobKind', 'accounts.sync')).toBe('同步账号');
    expect(codeLabel(tZh, 'joinedMethod', 'CREATED')).toBe('创建');
    expect(codeLabel(tEn, 'jobKind', 'something.new')).toBe('something.new');
  });

  it('names who caused an audit event', () => {
    expect(auditActor(tEn, { type: 'User', userName: 'ops@example.com' })).toBe('ops@example.com');
    expect(auditActor(tZh, { type: 'ApiToken', userName: 'ops@example.com' })).toBe('ops@example.com 的 API 令牌');
    expect(auditActor(tZh, { type: 'System', userName: null })).toBe('平台（计划任务）');
    expect(auditActor(tEn, { type: 'Unknown', userName: 'who@example.com' })).toBe('Not signed in (who@example.com)');
    expect(auditActor(tZh, { type: 'Unknown' })).toBe('未登录');
  });
});

describe('cost data health in words', () => {
  it('from the status and the lag, not the English reason', () => {
    expect(healthReason(tZh, { status: 'NOT_AVAILABLE', reason: 'no cost data has been ingested for this payer', lagDays: null })).toBe('该付款账户还没有导入任何成本数据。');
    expect(healthReason(tZh, { status: 'WARNING', reason: 'the newest cost data is 5 days old', lagDays: 5 })).toBe('最新的成本数据已有 5 天。');
    expect(healthReason(tEn, { status: 'WARNING', reason: 'ingestions ran but wrote no cost rows', lagDays: null })).toBe('Ingestions ran but wrote no cost rows.');
    expect(healthReason(tEn, { status: 'SUCCESS', reason: 'cost data is current', lagDays: 1 })).toBe('Cost data is current.');
  });

  it('keeps the error of a failed ingestion as it was written', () => {
    expect(healthReason(tZh, { status: 'FAILED', reason: 'the last ingestion failed: s3 GetObject failed: NoSuchKey', lagDays: 2 })).toBe(
      '上次导入失败：s3 GetObject failed: NoSuchKey',
    );
  });

  it('says an ingestion was abandoned, with its reason', () => {
    const lastIngestion = { status: 'ABANDONED', message: 'abandoned: the process that ran it (host:42:abcdef) is gone; nothing it read was written' };
    expect(healthReason(tZh, { status: 'FAILED', reason: 'the last ingestion was abandoned: …', lagDays: 2, lastIngestion })).toBe(
      '上次导入在完成前被放弃，之前的数据保持不变：the process that ran it (host:42:abcdef) is gone; nothing it read was written',
    );
    expect(healthReason(tEn, { status: 'FAILED', reason: 'the last ingestion was abandoned: …', lagDays: 2, lastIngestion })).toMatch(/^The last ingestion was abandoned before it finished/);
  });

  it('says how far behind, one day included', () => {
    expect(lagText(tEn, 5)).toBe('5 days behind');
    expect(lagText(tEn, 1)).toBe('1 day behind');
    expect(lagText(tZh, 5)).toBe('落后 5 天');
    expect(lagText(tEn, 0)).toBeNull();
    expect(lagText(tEn, null)).toBeNull();
  });
});
