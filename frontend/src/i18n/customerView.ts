// Text of the partner's view of one customer (/customers/:tenantId), merged into `en` and `zh` in
// messages.ts. `zh` must have every key of `en`.

export const customerViewEn = {
  'customerView.title': 'Customer view',
  'customerView.titleNamed': 'Customer view: {name}',
  'customerView.intro':
    'What {name} sees in their own home, on the same numbers: their price, as they are charged. The cost and margin card is for you only; the customer never sees it.',
  'customerView.open': 'Customer view',
  'customerView.openNamed': 'Open the customer view of {name}',
  'customerView.payers': 'Billing groups of {name}',
  'customerView.payerGroups': '{payer}: {groups}',
  'customerView.noPayers': '{name} has no billing group on the payers you see, so there are no charges to show. Give them one on a payer’s Billing page.',
  'customerView.morePayers': 'Only the first {count} payers you see were searched for this customer’s billing groups.',
  'customerView.draftNumber': 'Draft',
  'customerView.marginTitle': 'Cost and margin, {month}',
  'customerView.marginIntro': 'The AWS cost (unblended) of the customer’s accounts against what they are charged for them (their price, as above). Only you see this.',
  'customerView.currency': 'Currency',
  'customerView.awsCost': 'AWS cost',
  'customerView.charge': 'Customer’s charge',
  'customerView.margin': 'Margin',
  'customerView.marginPercent': 'Margin %',
  'customerView.noMargin': 'No cost or charges for {month}.',
  'customerView.mismatched': 'Left out: {payers}, where the AWS cost and the charge are in different currencies (no margin can be worked out).',
} as const;

export const customerViewZh: Record<keyof typeof customerViewEn, string> = {
  'customerView.title': '客户视图',
  'customerView.titleNamed': '客户视图：{name}',
  'customerView.intro': '{name} 在其首页看到的内容，数字完全相同：按其价格计算的费用。成本与利润卡片仅您可见，客户看不到。',
  'customerView.open': '客户视图',
  'customerView.openNamed': '打开 {name} 的客户视图',
  'customerView.payers': '{name} 的计费组',
  'customerView.payerGroups': '{payer}：{groups}',
  'customerView.noPayers': '在您可见的付款账户上，{name} 没有计费组，因此没有可显示的费用。请在付款账户的“计费”页面为其创建计费组。',
  'customerView.morePayers': '仅在您可见的前 {count} 个付款账户中查找了该客户的计费组。',
  'customerView.draftNumber': '草稿',
  'customerView.marginTitle': '{month} 的成本与利润',
  'customerView.marginIntro': '客户账户的 AWS 成本（未混合）与向客户收取的费用（其价格，同上）的对比。仅您可见。',
  'customerView.currency': '币种',
  'customerView.awsCost': 'AWS 成本',
  'customerView.charge': '客户费用',
  'customerView.margin': '利润',
  'customerView.marginPercent': '利润率',
  'customerView.noMargin': '{month} 没有成本或费用。',
  'customerView.mismatched': '未计入：{payers}，其 AWS 成本与费用币种不同（无法计算利润）。',
};
