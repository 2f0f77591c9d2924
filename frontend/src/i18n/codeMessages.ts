// Words for the codes the API sends as plain strings (job kinds, audit actors, AWS invitation
// states, how an account joined, cost sources, error codes) and for the health of a payer's cost
// data, merged into `en` and `zh` in messages.ts. Which codes exist is listed in codes.ts; a unit
// test holds every one of them to a key here.

export const codesEn = {
  'jobKind.accounts.sync': 'Sync accounts',
  'jobKind.accounts.sync_all': 'Sync every organization',
  'jobKind.accounts.create': 'Create an account',
  'jobKind.invitations.refresh': 'Refresh invitations',
  'jobKind.costs.ingest': 'Ingest cost exports',
  'jobKind.costs.ingest_all': 'Ingest every payer’s cost exports',
  'jobKind.costs.pull': 'Pull costs from Cost Explorer',
  'jobKind.costs.pull_all': 'Pull every payer’s costs from Cost Explorer',
  'jobKind.costs.import_legacy': 'Import legacy cost data',
  'jobKind.audit.prune': 'Prune old audit events',
  'jobKind.audit.digest': 'Sign an audit digest',
  'jobKind.notify.dispatch': 'Send notifications',
  'jobKind.billing.abc_sync': 'Sync with AWS Billing Conductor',
  'jobKind.billing.abc_reports': 'Pull Billing Conductor reports',
  'jobKind.billing.close_periods': 'Close last month’s billing periods',
  'jobKind.billing_transfers.follow': 'Follow a billing transfer',
  'jobKind.optimization.pull': 'Pull savings recommendations',
  'jobKind.optimization.pull_all': 'Pull every payer’s savings recommendations',
  'jobKind.payers.await_connection': 'Wait for a new payer’s access role',

  'auditActor.User': '{name}',
  'auditActor.ApiToken': 'API token of {name}',
  'auditActor.System': 'The platform (scheduled work)',
  'auditActor.Unknown': 'Not signed in',
  'auditActor.unknownNamed': 'Not signed in ({name})',

  'invitationState.REQUESTED': 'Requested',
  'invitationState.OPEN': 'Open',
  'invitationState.ACCEPTED': 'Accepted',
  'invitationState.DECLINED': 'Declined',
  'invitationState.CANCELED': 'Cancelled',
  'invitationState.EXPIRED': 'Expired',

  'joinedMethod.CREATED': 'Created',
  'joinedMethod.INVITED': 'Invited',

  'costSource.cur': 'Cost and Usage Report',
  'costSource.focus': 'FOCUS export',
  'costSource.ce': 'Cost Explorer',
  'costSource.none': 'No cost data',

  'errorCode.UNAUTHENTICATED': 'Not signed in',
  'errorCode.FORBIDDEN': 'Not allowed',
  'errorCode.NOT_FOUND': 'Not found',
  'errorCode.VALIDATION': 'Invalid input',
  'errorCode.CONFLICT': 'Conflict',
  'errorCode.RATE_LIMITED': 'Too many attempts',
  'errorCode.INTERNAL': 'Server error',

  'healthReason.SUCCESS': 'Cost data is current.',
  'healthReason.NOT_AVAILABLE': 'No cost data has been ingested for this payer yet.',
  'healthReason.FAILED': 'The last ingestion failed: {detail}',
  'healthReason.ABANDONED': 'The last ingestion was abandoned before it finished; the previous data is unchanged: {detail}',
  'healthReason.lag': 'The newest cost data is {days} days old.',
  'healthReason.lagOne': 'The newest cost data is 1 day old.',
  'healthReason.noRows': 'Ingestions ran but wrote no cost rows.',
  'overview.lagDay': '1 day behind',

  'error.awsUnavailable': 'Not available in this environment:',
  'error.awsUnavailableDetail':
    'the AWS endpoint this server talks to does not offer this call ({call}). An AWS emulator (as in the demo or the tests) lacks some AWS APIs; against AWS itself it works.',
  'accounts.invitationsUnavailable':
    'Invitations (AWS Organizations handshakes) are not available in this environment: the AWS endpoint this server talks to does not offer them (an emulator, as in the demo, lacks that API). Everything else on this page works.',
} as const;

export const codesZh: Record<keyof typeof codesEn, string> = {
  'jobKind.accounts.sync': '同步账号',
  'jobKind.accounts.sync_all': '同步所有组织',
  'jobKind.accounts.create': '创建账号',
  'jobKind.invitations.refresh': '刷新邀请',
  'jobKind.costs.ingest': '导入成本导出',
  'jobKind.costs.ingest_all': '导入所有付款账户的成本导出',
  'jobKind.costs.pull': '从 Cost Explorer 拉取成本',
  'jobKind.costs.pull_all': '从 Cost Explorer 拉取所有付款账户的成本',
  'jobKind.costs.import_legacy': '导入旧版成本数据',
  'jobKind.audit.prune': '清理旧的审计事件',
  'jobKind.audit.digest': '签署审计摘要',
  'jobKind.notify.dispatch': '发送通知',
  'jobKind.billing.abc_sync': '与 AWS Billing Conductor 同步',
  'jobKind.billing.abc_reports': '拉取 Billing Conductor 报告',
  'jobKind.billing.close_periods': '关闭上月账期',
  'jobKind.billing_transfers.follow': '跟踪账单转移',
  'jobKind.optimization.pull': '拉取节省建议',
  'jobKind.optimization.pull_all': '拉取所有付款账户的节省建议',
  'jobKind.payers.await_connection': '等待新付款账户的访问角色',

  'auditActor.User': '{name}',
  'auditActor.ApiToken': '{name} 的 API 令牌',
  'auditActor.System': '平台（计划任务）',
  'auditActor.Unknown': '未登录',
  'auditActor.unknownNamed': '未登录（{name}）',

  'invitationState.REQUESTED': '已请求',
  'invitationState.OPEN': '待接受',
  'invitationState.ACCEPTED': '已接受',
  'invitationState.DECLINED': '已拒绝',
  'invitationState.CANCELED': '已取消',
  'invitationState.EXPIRED': '已过期',

  'joinedMethod.CREATED': '创建',
  'joinedMethod.INVITED': '邀请',

  'costSource.cur': '成本和使用情况报告',
  'costSource.focus': 'FOCUS 导出',
  'costSource.ce': 'Cost Explorer',
  'costSource.none': '没有成本数据',

  'errorCode.UNAUTHENTICATED': '未登录',
  'errorCode.FORBIDDEN': '不允许',
  'errorCode.NOT_FOUND': '未找到',
  'errorCode.VALIDATION': '输入无效',
  'errorCode.CONFLICT': '冲突',
  'errorCode.RATE_LIMITED': '尝试次数过多',
  'errorCode.INTERNAL': '服务器错误',

  'healthReason.SUCCESS': '成本数据是最新的。',
  'healthReason.NOT_AVAILABLE': '该付款账户还没有导入任何成本数据。',
  'healthReason.FAILED': '上次导入失败：{detail}',
  'healthReason.ABANDONED': '上次导入在完成前被放弃，之前的数据保持不变：{detail}',
  'healthReason.lag': '最新的成本数据已有 {days} 天。',
  'healthReason.lagOne': '最新的成本数据已有 1 天。',
  'healthReason.noRows': '导入已运行，但没有写入成本数据。',
  'overview.lagDay': '落后 1 天',

  'error.awsUnavailable': '此环境中不可用：',
  'error.awsUnavailableDetail': '本服务器连接的 AWS 端点不提供此调用（{call}）。AWS 模拟器（如演示或测试环境）缺少部分 AWS API；在真实的 AWS 上可以正常使用。',
  'accounts.invitationsUnavailable':
    '此环境中无法使用邀请（AWS Organizations 握手）：本服务器连接的 AWS 端点不提供该功能（模拟器，如演示环境，缺少该 API）。本页的其他功能都可以正常使用。',
};
