// Dockyard Studio: the project pages' enhancements (loaded on every
// /studio/<org>/<project>/... page; every form works without it).
//
// - Server tab: the Endpoint select fills the Endpoint URL field and the
//   instructions in place (the GET form and its Show button are the
//   no-script path).
// - Type editor: the Kind select shows its sections (data-kind-section
//   lists the kinds a section serves: the Timeout (ms) field is shared by
//   http and code); a live preview reposts
//   the form into the sandboxed frame when the UI HTML or the input schema
//   changes; and this page plays the HOST side of the MCP Apps bridge for
//   the frame (JSON-RPC 2.0 over postMessage): it answers `ui/initialize`,
//   then sends `ui/notifications/tool-input` and `.../tool-result` with
//   sample arguments built from the input schema (the interactive kind's
//   result is its arguments as structuredContent). The test panel's frame
//   (#test-ui) gets the same bridge with the Run's real arguments and
//   result (its data-tool-input / data-tool-result). Requests the Studio
//   cannot serve (tools/call, open-link...) get a JSON-RPC error. Messages
//   are accepted only from those frames' windows.
// - Test panel: Run posts with fetch and swaps #test-result in place.
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
    for (const s of form.querySelectorAll('[data-kind-section]')) {
      s.hidden = !s.dataset.kindSection.split(' ').includes(kind.value);
    }
  };
  kind?.addEventListener('change', showKind);

  // ---- MCP Apps host bridge, for the preview frame (sample arguments)
  // and the test panel's frame (the Run's real arguments and result).
  const frames = new Map(); // contentWindow -> () => ({ args, result })
  const sendTo = (frame, msg) => frame.contentWindow?.postMessage({ jsonrpc: '2.0', ...msg }, '*');
  window.addEventListener('message', (event) => {
    const entry = [...frames.entries()].find(([f]) => f.contentWindow === event.source);
    if (!entry) return;
    const [frame, data] = entry;
    const msg = event.data;
    if (!msg || msg.jsonrpc !== '2.0' || typeof msg.method !== 'string') return;
    if (msg.method === 'ui/initialize' && msg.id !== undefined) {
      sendTo(frame, { id: msg.id, result: {
        protocolVersion: msg.params?.protocolVersion ?? '2026-01-26',
        hostInfo: { name: 'Dockyard Studio', version: '1' },
        hostCapabilities: {},
        hostContext: { theme: 'light', displayMode: 'inline', platform: 'web' },
      } });
    } else if (msg.method === 'ui/notifications/initialized') {
      const { args, result } = data();
      sendTo(frame, { method: 'ui/notifications/tool-input', params: { arguments: args } });
      sendTo(frame, { method: 'ui/notifications/tool-result', params: result });
    } else if (msg.method === 'ui/notifications/size-changed') {
      const h = Number(msg.params?.height);
      if (h > 0 && h < 4000) frame.style.height = `${Math.ceil(h)}px`;
    } else if (msg.id !== undefined) {
      sendTo(frame, { id: msg.id, error: { code: -32601, message: `${msg.method} is not available in the Studio` } });
    }
  });
  const parse = (text, fallback) => { try { return JSON.parse(text); } catch { return fallback; } };
  const bridgeTestFrame = () => {
    const f = document.getElementById('test-ui');
    if (f) frames.set(f, () => ({ args: parse(f.dataset.toolInput, {}), result: parse(f.dataset.toolResult, {}) }));
  };
  bridgeTestFrame();

  // ---- Test panel: Run posts the form with fetch and shows the result in
  // place (the plain POST renders the same page with it).
  document.addEventListener('submit', async (event) => {
    const panel = event.target;
    if (!(panel instanceof HTMLFormElement) || !panel.matches('form[data-test-panel]')) return;
    event.preventDefault();
    const button = panel.querySelector('button[type=submit]');
    button.disabled = true;
    say('Running…');
    try {
      const res = await fetch(panel.action, { method: 'POST', body: new URLSearchParams(new FormData(panel)), credentials: 'same-origin' });
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const fresh = doc.getElementById('test-result');
      const here = document.getElementById('test-result');
      if (!here) return;
      if (!fresh) {
        const why = doc.querySelector('main [role=alert], main .error, main p')?.textContent;
        const p = document.createElement('p');
        p.className = 'error';
        p.textContent = why || `Run failed (HTTP ${res.status}).`;
        here.replaceChildren(p);
        say(p.textContent);
        return;
      }
      for (const f of frames.keys()) if (f.id === 'test-ui') frames.delete(f);
      here.replaceWith(document.importNode(fresh, true));
      bridgeTestFrame();
      document.getElementById('test-result-h')?.focus();
      say(document.querySelector('[data-test-summary]')?.textContent ?? 'Done');
    } catch {
      say('Run failed: the Studio could not be reached.');
    } finally {
      button.disabled = false;
    }
  });

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
  frames.set(frame, () => {
    const args = sampleArgs();
    return { args, result: { content: [{ type: 'text', text: JSON.stringify(args) }], structuredContent: args } };
  });

  let timer = null;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(() => form.requestSubmit(previewButton), 700);
  };
  form.addEventListener('dockyard:change', (event) => {
    if (['ui_html', 'input_schema'].includes(event.target.id)) refresh();
  });
  // A Preview click renders now: the pending live refresh would only load the frame twice.
  previewButton.addEventListener('click', () => clearTimeout(timer));
})();
