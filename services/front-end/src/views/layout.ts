// The frame of every storefront page: skip link, header (shop name, search, cart and account
// links), the page's <main>, footer. Styles and script are the static files only: the CSP allows
// no inline script or style, so nothing here may carry a style attribute or an inline <script>.
import { csrfField } from './forms.ts';
import { html, type SafeHtml } from './html.ts';

export const siteName = 'Trio Shop';

/** What the header shows about the shopper. */
export interface Chrome {
  user?: { name: string } | undefined;
  cartCount: number;
  /** Needed for the "Log out" form; set whenever `user` is. */
  csrf?: string | undefined;
  /** The search box's value. */
  q?: string | undefined;
}

export interface Page {
  title: string;
  chrome: Chrome;
  main: SafeHtml;
  /** Extra elements for <head>. */
  head?: SafeHtml;
}

export function layout(page: Page): string {
  const { chrome } = page;
  const title = page.title === siteName ? siteName : `${page.title} · ${siteName}`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/static/app.css">
<script src="/static/app.js" defer></script>
${page.head}
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
  <div class="site-header__inner">
    <a class="site-name" href="/">${siteName}</a>
    <form class="search" role="search" action="/search" method="get">
      <label for="search-q" class="visually-hidden">Search products</label>
      <input id="search-q" type="search" name="q" value="${chrome.q ?? ''}" maxlength="200" placeholder="Search products">
      <button type="submit">Search</button>
    </form>
    <nav class="site-nav" aria-label="Your shop">
      <ul>
        <li><a href="/cart">Cart (${chrome.cartCount})</a></li>
        ${
          chrome.user === undefined
            ? html`<li><a href="/login">Log in</a></li>
        <li><a href="/register">Register</a></li>`
            : html`<li><a href="/account">Account</a></li>
        <li><form class="inline-form" method="post" action="/logout">${csrfField(chrome.csrf ?? '')}<button type="submit" class="link-button">Log out</button></form></li>`
        }
      </ul>
    </nav>
  </div>
</header>
<main id="main" tabindex="-1">
${page.main}
</main>
<footer class="site-footer">
  <p>${siteName}: a demonstration shop. No real orders are placed and no card is charged.</p>
</footer>
</body>
</html>
`.value;
}
