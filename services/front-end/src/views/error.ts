// The page shown when a page cannot be: a heading and a sentence for the shopper, and the request
// id to quote when asking for help. Never the error's internals.
import { html, type SafeHtml } from './html.ts';

export function errorPage(error: {
  title: string;
  message: string;
  requestId?: string | undefined;
}): SafeHtml {
  return html`<div class="narrow">
<h1>${error.title}</h1>
<p>${error.message}</p>
${error.requestId !== undefined && html`<p class="muted">If you contact us about this, quote the reference <code>${error.requestId}</code>.</p>`}
<p><a href="/">Back to the shop</a></p>
</div>`;
}
