// Text of the channel pages (AWS Billing Transfer), merged into `en` and `zh` in messages.ts.
// `zh` must have every key of `en`.

export const channelEn = {
  'transferStatus.INVITED': 'Invited',
  'transferStatus.ACCEPTED': 'Accepted',
  'transferStatus.ACTIVE': 'Active',
  'transferStatus.DECLINED': 'Declined',
  'transferStatus.EXPIRED': 'Expired',
  'transferStatus.WITHDRAWN': 'Withdrawn',
  'transferStatus.ENDED': 'Ended',
};

export const channelZh: Record<keyof typeof channelEn, string> = {
  'transferStatus.INVITED': '已邀请',
  'transferStatus.ACCEPTED': '已接受',
  'transferStatus.ACTIVE': '生效中',
  'transferStatus.DECLINED': '已拒绝',
  'transferStatus.EXPIRED': '已过期',
  'transferStatus.WITHDRAWN': '已撤回',
  'transferStatus.ENDED': '已结束',
};
