/** A piece of a caught mail's text: plain text, or a link to make clickable. */
export type Segment = { text: string } | { href: string };

// http(s) URLs, and the set-password path a mail carries when the server has no PB_PUBLIC_URL
// (the demo), which opens in this same web app. Nothing else (no javascript:, no data:).
const LINK = /(https?:\/\/[^\s<>"']+|(?<![\w/])\/set-password\?token=[^\s<>"']+)/g;

/** Splits a mail's plain text into text and links, in order; joined back they are the text. */
export function linkify(text: string): Segment[] {
  const out: Segment[] = [];
  let at = 0;
  for (const m of text.matchAll(LINK)) {
    const start = m.index ?? 0;
    // A sentence's closing punctuation is not part of the link.
    const href = m[0].replace(/[.,;:!?)]+$/, '');
    if (start > at) out.push({ text: text.slice(at, start) });
    out.push({ href });
    at = start + href.length;
  }
  if (at < text.length) out.push({ text: text.slice(at) });
  return out;
}
