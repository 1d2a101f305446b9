// Dockyard Studio: the project pages' enhancements (loaded on every
// /studio/<org>/<project>/... page; every form works without it).
//
// - Server tab: the Endpoint select fills the Endpoint URL field and the
//   instructions in place (the GET form and its Show button are the
//   no-script path).
// - Type editor: the Kind select shows its section; a live preview reposts
//   the form into the sandboxed frame when the UI HTML or the input schema
//   changes; and this page plays the HOST side of the MCP Apps bridge for
//   the frame (JSON-RPC 2.0 over postMessage): it answers `ui/initialize`,
//   then sends `ui/notifications/tool-input` and `.../tool-result` with
//   sample arguments built from the input schema (the interactive kind's
//   result is its arguments as structuredContent). Requests a preview cannot
//   serve (tools/call, open-link...) get a JSON-RPC error. Messages are
//   accepted only from that frame's window.
// - Forms with data-progress="Publishing…" disable their button and say so.
(() => {
  const status = document.getElementById('live-status');
  const say = (text) => { if (status) status.textContent = text; };
  for (const el of document.querySelectorAll('[data-hide-with-js]')) el.hidden = true;

  // ---- Server tab
  for (const select of document.querySelectorAll('select[data-endpoint-url]')) {
    const field = document.getElementById(select.dataset.endpointUrl);
    const apply = () => {
      const option = select.selectedOptions[0];
      if (!option || !field) return;
      field.value = option.dataset.url;
      for (const el of document.querySelectorAll('[data-endpoint-text]')) el.textContent = option.dataset.url;
      for (const el of document.querySelectorAll('[data-connector-text]')) el.textContent = option.dataset.connector;
      const url = new URL(location.href);
      url.searchParams.set('endpoint', option.value);
      history.replaceState(null, '', url);
      say(`Endpoint URL: ${option.dataset.url}`);
    };
    select.addEventListener('change', apply);
  }

  // ---- Publish progress
  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.progress || event.defaultPrevented) return;
    const button = form.querySelector('button[type=submit]');
    if (button) { button.disabled = true; button.textContent = form.dataset.progress; }
    say(form.dataset.progress);
  });

  // ---- Type editor
  const form = document.querySelector('form[data-type-editor]');
  if (!form) return;
  const kind = form.querySelector('#kind');
  const showKind = () => {
    for (const s of form.querySelectorAll('[data-kind-section]')) s.hidden = s.dataset.kindSection !== kind.value;
  };
  kind?.addEventListener('change', showKind);

  const frame = document.getElementById('ui-preview');
  const previewButton = form.querySelector('[data-preview-button]');
  if (!frame || !previewButton) return;

  function sample(s, depth = 0) {
    if (!s || typeof s !== 'object') return null;
    if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
    if ('default' in s) return s.default;
    if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
    if ('const' in s) return s.const;
    let type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
    if (!type && s.properties) type = 'object';
    switch (type) {
      case 'string': return 'sample';
      case 'integer': return Number.isInteger(s.minimum) ? s.minimum : 1;
      case 'number': return typeof s.minimum === 'number' ? s.minimum : 1.5;
      case 'boolean': return true;
      case 'array': return depth < 4 ? [sample(s.items, depth + 1)] : [];
      case 'object': {
        if (depth >= 4) return {};
        const out = {};
        for (const [k, v] of Object.entries(s.properties ?? {})) out[k] = sample(v, depth + 1);
        return out;
      }
      default: return null;
    }
  }
  const sampleArgs = () => {
    try {
      const v = sample(JSON.parse(form.querySelector('#input_schema').value));
      return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
    } catch { return {}; }
  };

  const send = (msg) => frame.contentWindow?.postMessage({ jsonrpc: '2.0', ...msg }, '*');
  window.addEventListener('message', (event) => {
    if (event.source !== frame.contentWindow) return;
    const msg = event.data;
    if (!msg || msg.jsonrpc !== '2.0' || typeof msg.method !== 'string') return;
    if (msg.method === 'ui/initialize' && msg.id !== undefined) {
      send({ id: msg.id, result: {
        protocolVersion: msg.params?.protocolVersion ?? '2026-01-26',
        hostInfo: { name: 'Dockyard Studio', version: '1' },
        hostCapabilities: {},
        hostContext: { theme: 'light', displayMode: 'inline', platform: 'web' },
      } });
    } else if (msg.method === 'ui/notifications/initialized') {
      const args = sampleArgs();
      send({ method: 'ui/notifications/tool-input', params: { arguments: args } });
      send({ method: 'ui/notifications/tool-result', params: {
        content: [{ type: 'text', text: JSON.stringify(args) }], structuredContent: args,
      } });
    } else if (msg.method === 'ui/notifications/size-changed') {
      const h = Number(msg.params?.height);
      if (h > 0 && h < 4000) frame.style.height = `${Math.ceil(h)}px`;
    } else if (msg.id !== undefined) {
      send({ id: msg.id, error: { code: -32601, message: `${msg.method} is not available in the Studio preview` } });
    }
  });

  let timer = null;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(() => form.requestSubmit(previewButton), 700);
  };
  form.addEventListener('dockyard:change', (event) => {
    if (['ui_html', 'input_schema'].includes(event.target.id)) refresh();
  });
})();
