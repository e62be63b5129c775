import { describe, expect, it } from 'vitest';
import { escapeHtml, html, scriptJson, trustedMarkup } from './html.js';

describe('HTML escaping', () => {
  it('escapes every character that can start markup or leave an attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
    );
  });

  it('escapes interpolated values and keeps nested safe markup', () => {
    const name = '<img src=x onerror=alert(1)>';
    const items = ['a<b', 'c'].map((item) => html`<li>${item}</li>`);
    // prettier-ignore
    const markup = html`<p title="${name}">${name}</p><ul>${items}</ul>${null}${false}`;
    expect(markup.toString()).toBe(
      '<p title="&lt;img src=x onerror=alert(1)&gt;">&lt;img src=x onerror=alert(1)&gt;</p><ul><li>a&lt;b</li><li>c</li></ul>',
    );
    expect(html`${trustedMarkup('<b>ok</b>')}`.toString()).toBe('<b>ok</b>');
  });

  it('puts JSON inside a script element without a way out', () => {
    const json = scriptJson({ text: '</script><script>alert(1)</script> & \u2028' }).toString();
    expect(json).not.toContain('</script>');
    expect(json).not.toContain('\u2028');
    expect(JSON.parse(json)).toEqual({ text: '</script><script>alert(1)</script> & \u2028' });
  });
});
