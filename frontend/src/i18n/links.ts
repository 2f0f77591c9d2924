// Text of the dashboard links (issue #22 item 6), merged into `en` and `zh` in messages.ts. `zh`
// must have every key of `en`.

export const linksEn = {
  'dashboardLink.label': 'Dashboard link',
  'dashboardLink.hint': 'Cloud Intelligence Dashboards or QuickSight, https://…; shown as a link beside the charts. Leave empty to remove it.',
  'dashboardLink.problem.format': 'is not a valid https link',
  'dashboardLink.problem.https': 'must start with https://',
  'dashboardLink.problem.credentials': 'must not carry a user name or password',
  'dashboardLink.problem.tooLong': 'must be at most 2,048 characters on one line',
  'dashboardLink.payers': 'Dashboards of the payers shown',
  'dashboardLink.openNamed': 'Open {name}’s dashboards',
  'dashboardLink.openOwn': 'Open your dashboards',
  'dashboardLink.newTab': '(opens in a new tab)',
} as const;

export const linksZh: Record<keyof typeof linksEn, string> = {
  'dashboardLink.label': '仪表板链接',
  'dashboardLink.hint': 'Cloud Intelligence Dashboards 或 QuickSight，https://…；以链接形式显示在图表旁。留空即删除。',
  'dashboardLink.problem.format': '不是有效的 https 链接',
  'dashboardLink.problem.https': '必须以 https:// 开头',
  'dashboardLink.problem.credentials': '不能包含用户名或密码',
  'dashboardLink.problem.tooLong': '最多 2,048 个字符，且只能有一行',
  'dashboardLink.payers': '所示付款账户的仪表板',
  'dashboardLink.openNamed': '打开 {name} 的仪表板',
  'dashboardLink.openOwn': '打开您的仪表板',
  'dashboardLink.newTab': '（在新标签页中打开）',
};
