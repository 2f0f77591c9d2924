import { serviceLabel } from '../lib/costs';

/**
 * A service as AWS names it ("Amazon CloudWatch"), with its code ("AmazonCloudWatch") as small
 * secondary text and tooltip; just the code when the cost data carries no name. AWS does not
 * translate service names, so neither do we.
 */
export function ServiceLabel({ name, code }: { name?: string | null; code?: string | null }) {
  const shown = serviceLabel(name, code);
  if (!code || code === shown) return <span className="service-name">{shown}</span>;
  return (
    <span className="service-label" title={code}>
      <span className="service-name">{shown}</span> <code className="service-code">{code}</code>
    </span>
  );
}
