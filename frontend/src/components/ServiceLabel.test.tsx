import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ServiceLabel } from './ServiceLabel';

describe('ServiceLabel', () => {
  it("shows AWS's name with the code as secondary text and tooltip", () => {
    const html = renderToStaticMarkup(<ServiceLabel name="AWS Key Management Service" code="awskms" />);
    expect(html).toBe(
      '<span class="service-label" title="awskms"><span class="service-name">AWS Key Management Service</span> <code class="service-code">awskms</code></span>',
    );
  });

  it('shows the code alone when the data has no name for it', () => {
    expect(renderToStaticMarkup(<ServiceLabel name={null} code="AmazonNoName" />)).toBe('<span class="service-name">AmazonNoName</span>');
    // Ingestion stores the code as the name when the source has none: not shown twice.
    expect(renderToStaticMarkup(<ServiceLabel name="AmazonNoName" code="AmazonNoName" />)).toBe('<span class="service-name">AmazonNoName</span>');
  });

  it('shows a custom line item (no code) by its name', () => {
    expect(renderToStaticMarkup(<ServiceLabel name="Monthly fee" code="" />)).toBe('<span class="service-name">Monthly fee</span>');
  });
});
