// Builds the setup portal's provider guides (issue 14): each docs/providers/<id>.md as an HTML
// fragment in dist/web/guides/<id>.html, which the portal shows with the tenant's SCIM base URL
// written over the example one (src/http/portal/guides.ts). Run by `npm run build`, after Vite.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Marked } from 'marked';

const root = fileURLToPath(new URL('..', import.meta.url));
const GUIDES = ['okta', 'entra', 'google', 'onelogin', 'jumpcloud', 'rippling', 'ping', 'other'];

const escape = (text) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
// GitHub's anchors, so that the guides' links to their own sections keep working.
const slug = (text) =>
  text
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/\s/g, '-');

const marked = new Marked({
  gfm: true,
  renderer: {
    heading({ tokens, depth }) {
      const text = this.parser.parseInline(tokens);
      return `<h${depth + 1} id="${slug(text)}">${text}</h${depth + 1}>\n`;
    },
    // Links into the repository (tests, fixtures, other docs) lead nowhere an IT admin can go:
    // their text stays, the link goes. Vendor pages and the guide's own sections stay links.
    link({ href, title, tokens }) {
      const text = this.parser.parseInline(tokens);
      if (!/^(https?:|#)/.test(href)) return text;
      return `<a href="${escape(href)}"${title ? ` title="${escape(title)}"` : ''}>${text}</a>`;
    },
    // The guides carry no HTML of their own; any that appears is shown as text.
    html({ text }) {
      return escape(text);
    },
  },
});

await mkdir(`${root}dist/web/guides`, { recursive: true });
for (const id of GUIDES) {
  const markdown = await readFile(`${root}docs/providers/${id}.md`, 'utf8');
  await writeFile(`${root}dist/web/guides/${id}.html`, await marked.parse(markdown));
}
console.log(`built ${GUIDES.length} provider guides into dist/web/guides`);
