// Whole pages kept as the bytes sent and their ETag, for pages whose content is kept already (the
// home page, a category page: rendered once per catalogue change, `PageOptions.kept`). Rendering
// the layout, encoding it and hashing it for the ETag were most of such a page's cost on every
// request (issue 14). Only headers that any shopper may share are kept: without a logged-in user
// the header shows the cart's count and the search box's value, never the session's CSRF token.
// The entries live as long as the page's content object (kept.ts), so a catalogue change, which
// makes new content, leaves the old bytes to the garbage collector.
import type { Response } from 'express';
import type { SafeHtml } from '../../../views/html.ts';
import type { Chrome } from '../../../views/layout.ts';
import { keptPerObject } from './kept.ts';

interface Rendered {
  body: Buffer;
  etag: string | undefined;
}

/** The header variants kept per page: cart counts are few, searches do not reach kept pages. */
const maxVariants = 16;

export interface RenderedPages {
  /**
   * Sends `main`'s page for `chrome` from its kept bytes, rendering it with `render` the first
   * time; false (nothing sent) when the header is the shopper's own (logged in).
   */
  send(res: Response, main: SafeHtml, title: string, chrome: Chrome, render: () => string): boolean;
}

export function createRenderedPages(): RenderedPages {
  const pages = keptPerObject<SafeHtml, Rendered>(maxVariants);
  return {
    send(res, main, title, chrome, render) {
      if (chrome.user !== undefined) return false;
      const variant = `${chrome.cartCount}\n${chrome.q ?? ''}\n${title}`;
      const page = pages(main, variant, () => {
        const body = Buffer.from(render());
        // The app's own ETag function (express's `etag` setting): the value res.send would compute.
        const etagOf = res.app.get('etag fn') as ((body: Buffer) => string | undefined) | undefined;
        return { body, etag: typeof etagOf === 'function' ? etagOf(body) : undefined };
      });
      // The headers res.send would set for an HTML string, without parsing them again.
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      if (page.etag !== undefined) res.setHeader('ETag', page.etag);
      res.send(page.body);
      return true;
    },
  };
}
