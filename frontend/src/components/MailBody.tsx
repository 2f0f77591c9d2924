import { linkify } from '../lib/demoOutbox';

/**
 * A caught mail's plain-text body as its recipient reads it, with its http(s) and set-password
 * links clickable. Text only: the HTML body (which a tenant's template override may shape) is
 * never put into the page.
 */
export function MailBody({ text }: { text: string }) {
  return (
    <pre className="mail-body">
      {linkify(text).map((part, i) =>
        'href' in part ? (
          <a key={i} href={part.href} rel="noreferrer noopener">
            {part.href}
          </a>
        ) : (
          part.text
        ),
      )}
    </pre>
  );
}
