// Dockyard Studio: the Instructions preview (loaded only by the project's
// Instructions page). The markdown is rendered here, in the browser, with
// markdown-it (CommonMark plus GFM tables and strikethrough), not in the
// Worker: a markdown renderer in the wasm cost about 40 KB gzip of every
// cold start for one preview (bench/README.md, "Bundle size"). Nothing in
// the Worker turns markdown into HTML; hosts get the Instructions as text.
//
// Safety: raw HTML in the markdown is shown as text (`html: false`), and a
// link or image whose URL is not http(s), mailto or relative is not made a
// link at all (its markdown shows as text), so no `javascript:` or `data:`
// URL reaches the page. The page's CSP (script-src 'self') holds as well.
//
// The preview follows the text as it is typed; the Preview button renders at
// once without a round trip. Without script the button posts the form and
// the page shows the text as it is (the no-script path keeps working).
import MarkdownIt from 'markdown-it';

/** http(s), mailto or relative (a colon before any '/', '?' or '#' is a scheme). */
export function safeUrl(url) {
  const lower = url.trim().toLowerCase();
  const colon = lower.indexOf(':');
  if (colon < 0) return true;
  const scheme = lower.slice(0, colon);
  if (/[/?#]/.test(scheme)) return true;
  return scheme === 'http' || scheme === 'https' || scheme === 'mailto';
}

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
md.validateLink = safeUrl;

(() => {
  const section = document.querySelector('[data-markdown-preview]');
  if (!section) return;
  const source = document.getElementById(section.dataset.markdownPreview);
  const out = section.querySelector('[data-markdown-out]');
  const empty = section.querySelector('[data-markdown-empty]');
  if (!source || !out) return;
  for (const el of section.querySelectorAll('[data-markdown-plain]')) el.remove();
  const render = () => {
    const text = source.value;
    const blank = text.trim() === '';
    if (empty) empty.hidden = !blank;
    out.hidden = blank;
    out.innerHTML = blank ? '' : md.render(text);
  };
  render();
  source.addEventListener('input', render);
  const button = source.form?.querySelector('button[name=intent][value=preview]');
  button?.addEventListener('click', (event) => {
    event.preventDefault();
    render();
    out.scrollIntoView?.({ block: 'nearest' });
  });
})();
