// The demo's MCP Apps pages (extension io.modelcontextprotocol/ui, 2026-01-26).
//
// A host (Claude, ChatGPT, the MCP Inspector) shows an interactive tool's
// `ui://` resource in a sandboxed iframe and talks to it over postMessage
// JSON-RPC: the page asks `ui/initialize`, says `ui/notifications/initialized`,
// and the host then sends `ui/notifications/tool-input` (the arguments) and
// `ui/notifications/tool-result` (the CallToolResult). A Dockyard interactive
// tool returns its validated arguments as `structuredContent`, so both carry
// the data the page renders.
//
// Why one bridge and small render functions: every demo page needs the same
// handshake, message routing, theming and size report; only the drawing
// differs. `appPage` puts the bridge and one render function into a complete
// HTML document. The render functions are real functions here (so they stay
// readable and linted), serialized with `String(fn)`: they may use only their
// arguments and browser globals. They build the DOM with `textContent`, never
// `innerHTML`, so nothing a model passes as an argument can inject markup.

const STYLE = `
:root { color-scheme: light dark; --fg: #1d2430; --muted: #5b6675; --line: #d8dee6; --bg: #fff;
  --accent: #2457c5; --ok: #1f7a3a; --warn: #9a5b00; --bad: #b3261e; }
[data-theme="dark"] { --fg: #e8ecf1; --muted: #a4adba; --line: #3a4350; --bg: #161b22; --accent: #7aa7ff;
  --ok: #5fcf80; --warn: #e3a64a; --bad: #ff8a80; }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 17px; margin: 0 0 4px; }
p { margin: 0 0 12px; color: var(--muted); }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 6px 4px; border-bottom: 1px solid var(--line); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tfoot td { font-weight: 600; border-bottom: 0; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; border: 1px solid currentColor;
  font-size: 12px; margin-left: 8px; vertical-align: 2px; }
.ok { color: var(--ok); } .warn { color: var(--warn); } .bad { color: var(--bad); }
button { margin-top: 12px; font: inherit; padding: 6px 12px; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; cursor: pointer; }
.columns { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 12px; }
.columns section { border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
.columns h2 { font-size: 13px; margin: 0 0 6px; color: var(--muted); }
.columns ul { list-style: none; margin: 0; padding: 0; }
.columns li { padding: 6px; margin-bottom: 6px; border-radius: 6px; background: color-mix(in srgb, var(--line) 35%, transparent); }
.columns small { display: block; color: var(--muted); }
progress { width: 100%; height: 10px; margin-bottom: 12px; }
.value { font-size: 34px; font-weight: 650; font-variant-numeric: tabular-nums; }
.status { color: var(--muted); }
`;

/** The bridge every page runs; `render(data, root, kit)` draws one result. */
function bridge(render, appName) {
  const root = document.getElementById('app');
  const pending = new Map();
  let nextId = 1;
  let locale = 'en-US';
  const send = (msg) => window.parent.postMessage({ jsonrpc: '2.0', ...msg }, '*');
  const request = (method, params) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    send({ id, method, params });
  });
  const el = (tag, props = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'text') node.textContent = v;
      else if (k === 'class') node.className = v;
      else if (k === 'onclick') node.addEventListener('click', v);
      else node.setAttribute(k, v);
    }
    node.append(...children);
    return node;
  };
  const money = (n, currency) => new Intl.NumberFormat(locale, { style: 'currency', currency }).format(n);
  const kit = {
    el,
    money,
    /** Puts `text` into the conversation as if the user had typed it. */
    message: (text) => request('ui/message', { role: 'user', content: [{ type: 'text', text }] }),
  };
  const applyContext = (ctx) => {
    if (ctx?.theme) document.documentElement.dataset.theme = ctx.theme;
    if (typeof ctx?.locale === 'string') locale = ctx.locale;
  };
  const reportSize = () => {
    const box = document.documentElement.getBoundingClientRect();
    send({ method: 'ui/notifications/size-changed', params: { width: Math.ceil(box.width), height: Math.ceil(box.height) } });
  };
  const show = (data) => {
    if (!data || typeof data !== 'object') return;
    root.replaceChildren();
    root.classList.remove('status');
    render(data, root, kit);
    reportSize();
  };
  window.addEventListener('message', (event) => {
    if (event.source !== window.parent) return;
    const msg = event.data;
    if (!msg || msg.jsonrpc !== '2.0') return;
    if (msg.method === undefined && pending.has(msg.id)) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p.reject(msg.error); else p.resolve(msg.result);
    } else if (msg.method === 'ui/notifications/tool-input') {
      show(msg.params?.arguments);
    } else if (msg.method === 'ui/notifications/tool-result') {
      if (!msg.params?.isError) show(msg.params?.structuredContent);
    } else if (msg.method === 'ui/notifications/host-context-changed') {
      applyContext(msg.params);
    } else if (msg.method === 'ui/resource-teardown' && msg.id !== undefined) {
      send({ id: msg.id, result: {} });
    } else if (msg.method !== undefined && msg.id !== undefined) {
      send({ id: msg.id, error: { code: -32601, message: `Method not found: ${msg.method}` } });
    }
  });
  if (window.parent === window) {
    root.textContent = 'This page is an MCP Apps view: a host shows it with the result of a tool call.';
    return;
  }
  request('ui/initialize', { protocolVersion: '2026-01-26', appInfo: { name: appName, version: '1.0.0' }, appCapabilities: {} })
    .then((result) => {
      applyContext(result?.hostContext);
      send({ method: 'ui/notifications/initialized', params: {} });
    })
    .catch(() => { root.textContent = 'The host refused to connect this view.'; });
}

/** A complete MCP Apps document: `title`, and `render(data, root, kit)`. */
export function appPage(title, render) {
  const name = JSON.stringify(`Dockyard demo: ${title}`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>${STYLE}</style></head>
<body><main id="app" class="status" aria-live="polite">Waiting for the tool's result…</main>
<script>
(${bridge})(${render}, ${name});
</script></body></html>
`;
}

// ------------------------------------------------------------------ pages --

/** show_order: the order's header, line items and total, and a follow-up button. */
export function renderOrder(d, root, { el, money, message }) {
  const currency = d.currency || 'EUR';
  const statusClass = { received: 'warn', packed: 'warn', shipped: 'ok', delivered: 'ok', cancelled: 'bad' }[d.status];
  const heading = el('h1', { text: `Order ${d.order_id}` });
  if (d.status) heading.append(el('span', { class: `badge ${statusClass || ''}`, text: d.status }));
  const rows = (d.items || []).map((item) => el('tr', {},
    el('td', { text: item.name }),
    el('td', { class: 'num', text: String(item.quantity) }),
    el('td', { class: 'num', text: money(item.unit_price, currency) }),
    el('td', { class: 'num', text: money(item.quantity * item.unit_price, currency) })));
  const total = (d.items || []).reduce((sum, item) => sum + item.quantity * item.unit_price, 0);
  const sent = el('p', { role: 'status' });
  root.append(
    heading,
    el('p', { text: d.customer ? `for ${d.customer}` : 'customer not given' }),
    el('table', {},
      el('thead', {}, el('tr', {}, el('th', { text: 'Item' }), el('th', { class: 'num', text: 'Qty' }),
        el('th', { class: 'num', text: 'Price' }), el('th', { class: 'num', text: 'Amount' }))),
      el('tbody', {}, ...rows),
      el('tfoot', {}, el('tr', {}, el('td', { text: 'Total', colspan: '3' }),
        el('td', { class: 'num', text: money(total, currency) })))),
    el('button', {
      type: 'button',
      text: 'Ask about this order',
      onclick: () => message(`What is the latest on order ${d.order_id}?`)
        .then(() => { sent.textContent = 'Sent to the conversation.'; })
        .catch(() => { sent.textContent = 'The host did not take the message.'; }),
    }),
    sent);
}

/** show_tasks: a three-column board with a progress bar. */
export function renderTasks(d, root, { el }) {
  const tasks = d.tasks || [];
  const done = tasks.filter((t) => t.status === 'done').length;
  const column = (status, label) => {
    const items = tasks.filter((t) => t.status === status)
      .map((t) => el('li', {}, t.title, ...(t.owner ? [el('small', { text: t.owner })] : [])));
    return el('section', { 'aria-label': label }, el('h2', { text: `${label} (${items.length})` }), el('ul', {}, ...items));
  };
  root.append(
    el('h1', { text: d.title || 'Tasks' }),
    el('p', { text: `${done} of ${tasks.length} done` }),
    el('progress', { max: String(Math.max(tasks.length, 1)), value: String(done), 'aria-label': 'Progress' }),
    el('div', { class: 'columns' }, column('todo', 'To do'), column('doing', 'In progress'), column('done', 'Done')));
}

/** show_metric: one number, its unit and the change since the previous value. */
export function renderMetric(d, root, { el }) {
  const fmt = (n) => new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format(n);
  const parts = [el('h1', { text: d.label }), el('div', { class: 'value', text: `${fmt(d.value)}${d.unit ? ` ${d.unit}` : ''}` })];
  if (typeof d.previous === 'number') {
    const delta = d.value - d.previous;
    const pct = d.previous === 0 ? null : (delta / Math.abs(d.previous)) * 100;
    const arrow = delta > 0 ? '▲' : delta < 0 ? '▼' : '■';
    const text = `${arrow} ${fmt(Math.abs(delta))}${pct === null ? '' : ` (${fmt(Math.abs(pct))}%)`} since ${fmt(d.previous)}`;
    parts.push(el('p', { class: delta >= 0 ? 'ok' : 'bad', text }));
  }
  root.append(...parts);
}
