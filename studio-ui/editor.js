// Dockyard Studio code editors: CodeMirror 6, bundled (no CDN), for the
// project pages' JSON, HTML and JavaScript fields. Load it with
// <script type="module" src="/studio/assets/editor.js"> on pages that need it.
//
// Progressive enhancement: a page renders a plain labelled
// <textarea data-editor="json|html|javascript" id="..."> inside its form.
// mount() puts an editor after it and hides the textarea; the textarea stays
// the value the form posts (kept in sync on every change), and CodeMirror's
// content element takes over the label (aria-labelledby the <label>, whose
// `for` is dropped), so getByLabel('Input schema') finds the editable element.
// On pages that set data-style-nonce (the Type editor), CodeMirror's styles
// are admitted by the CSP nonce. Each change also dispatches a `dockyard:change` event on the textarea, for
// live previews and validation.
//
//   window.DockyardEditor.mount(textarea, 'json') -> EditorView
//   window.DockyardEditor.views                   -> Map(textarea id -> view)
import { EditorView, basicSetup } from 'codemirror';
import { json } from '@codemirror/lang-json';
import { html } from '@codemirror/lang-html';
import { javascript } from '@codemirror/lang-javascript';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';

// Syntax colours dark enough for 4.5:1 on white and on the active line's
// tint (CodeMirror's defaults, e.g. #085, fall just short: axe-core).
const readable = HighlightStyle.define([
  { tag: t.keyword, color: '#6b0f8a' },
  { tag: [t.string, t.special(t.string)], color: '#9c1111' },
  { tag: [t.number, t.bool, t.null, t.atom], color: '#0f5a3a' },
  { tag: [t.propertyName, t.typeName, t.className, t.tagName, t.attributeName], color: '#0b5a33' },
  { tag: [t.variableName, t.definition(t.variableName)], color: '#1a1a8f' },
  { tag: [t.comment, t.meta], color: '#6b4a00' },
  { tag: t.invalid, color: '#a30000' },
]);

const MODES = { json: () => json(), html: () => html(), javascript: () => javascript() };
const views = new Map();
// CodeMirror injects its theme as a <style> element; the page's CSP admits it
// only with this response's nonce (the editor page sets data-style-nonce).
const nonce = document.querySelector('[data-style-nonce]')?.dataset.styleNonce;
const cspNonce = nonce ? [EditorView.cspNonce.of(nonce)] : [];

function mount(textarea, mode = textarea.dataset.editor) {
  if (views.has(textarea.id)) return views.get(textarea.id);
  const language = (MODES[mode] ?? MODES.json)();
  const label = textarea.id ? document.querySelector(`label[for="${CSS.escape(textarea.id)}"]`) : null;
  const attrs = {};
  if (label) {
    if (!label.id) label.id = `${textarea.id}-label`;
    attrs['aria-labelledby'] = label.id;
    label.removeAttribute('for');
  }
  const described = textarea.getAttribute('aria-describedby');
  if (described) attrs['aria-describedby'] = described;
  if (textarea.getAttribute('aria-invalid')) attrs['aria-invalid'] = textarea.getAttribute('aria-invalid');
  if (textarea.readOnly) attrs['aria-readonly'] = 'true';
  const view = new EditorView({
    doc: textarea.value,
    extensions: [
      ...cspNonce,
      basicSetup,
      syntaxHighlighting(readable),
      language,
      EditorView.lineWrapping,
      EditorView.contentAttributes.of(attrs),
      EditorView.editable.of(!textarea.readOnly),
      EditorView.updateListener.of((update) => {
        if (!update.docChanged) return;
        textarea.value = update.state.doc.toString();
        textarea.dispatchEvent(new CustomEvent('dockyard:change', { bubbles: true }));
      }),
    ],
  });
  textarea.after(view.dom);
  textarea.hidden = true;
  views.set(textarea.id, view);
  return view;
}

window.DockyardEditor = { mount, views };
for (const textarea of document.querySelectorAll('textarea[data-editor]')) mount(textarea);
