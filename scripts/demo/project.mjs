// What `npm run dev` seeds into `acme/demo`: the Type documents and
// Instructions of release 1.0.0, and the draft change on top of it, so that a
// first connection shows tools at once and the draft visibly differs from
// production. scripts/seed.mjs puts them through the management API;
// tests/demo/seed.test.mjs checks what a host then sees.
import { appPage, renderMetric, renderOrder, renderTasks } from './ui.mjs';

/** Every demo tool only shows data the model already has: nothing is read, written or fetched. */
const SHOW_ONLY = { readOnlyHint: true, destructiveHint: false, openWorldHint: false };
/** The pages fetch nothing and load nothing from elsewhere. */
const NO_NETWORK = { connectDomains: [], resourceDomains: [] };

function interactive(name, title, description, input_schema, render) {
  return {
    name,
    title,
    description,
    kind: 'interactive',
    input_schema,
    output_schema: null,
    annotations: SHOW_ONLY,
    scopes: [],
    ui: { html: appPage(title, render), csp: NO_NETWORK, prefers_border: true },
    http: null,
  };
}

const text = (maxLength, minLength = 1) => ({ type: 'string', minLength, maxLength });

export const showOrder = interactive(
  'show_order',
  'Order card',
  'Shows one Acme order to the user as a card: its status, line items and total, with a button to ask '
    + 'about it. Use it when the user asks about an order and you have its details; pass them as arguments '
    + '(nothing is looked up).',
  {
    type: 'object',
    properties: {
      order_id: { ...text(64), description: 'The order number, e.g. A-1042.' },
      customer: { ...text(200), description: "The customer's name." },
      status: { type: 'string', enum: ['received', 'packed', 'shipped', 'delivered', 'cancelled'] },
      currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 code; EUR when left out.' },
      items: {
        type: 'array',
        minItems: 1,
        maxItems: 100,
        items: {
          type: 'object',
          properties: {
            name: text(200),
            quantity: { type: 'integer', minimum: 1, maximum: 10000 },
            unit_price: { type: 'number', minimum: 0 },
          },
          required: ['name', 'quantity', 'unit_price'],
          additionalProperties: false,
        },
      },
    },
    required: ['order_id', 'items'],
    additionalProperties: false,
  },
  renderOrder,
);

export const showTasks = interactive(
  'show_tasks',
  'Task board',
  'Shows a list of tasks to the user as a board with To do, In progress and Done columns and a progress '
    + 'bar. Use it to summarize the state of a piece of work.',
  {
    type: 'object',
    properties: {
      title: { ...text(200), description: 'What the tasks belong to, e.g. "Spring launch".' },
      tasks: {
        type: 'array',
        maxItems: 200,
        items: {
          type: 'object',
          properties: {
            title: text(200),
            status: { type: 'string', enum: ['todo', 'doing', 'done'] },
            owner: text(100),
          },
          required: ['title', 'status'],
          additionalProperties: false,
        },
      },
    },
    required: ['tasks'],
    additionalProperties: false,
  },
  renderTasks,
);

/** The draft change: a third tool that production does not have yet. */
export const showMetric = interactive(
  'show_metric',
  'Metric tile',
  'Shows one number to the user as a large tile, with its unit and the change since a previous value. '
    + 'Use it for a single key figure such as weekly revenue or open tickets.',
  {
    type: 'object',
    properties: {
      label: { ...text(100), description: 'What the number measures.' },
      value: { type: 'number' },
      unit: text(20),
      previous: { type: 'number', description: 'The earlier value to compare with.' },
    },
    required: ['label', 'value'],
    additionalProperties: false,
  },
  renderMetric,
);

const INSTRUCTIONS_1_0 = `These are Acme's demo tools. They show data to the user; they look nothing up.
- show_order: when the user asks about an order, show it as a card.
- show_tasks: when the user wants the state of some work, show the tasks as a board.`;

/** Release 1.0.0 as `npm run dev` publishes it. */
export const RELEASE = {
  version: '1.0.0',
  notes: 'Demo release: an order card and a task board.',
  types: [showOrder, showTasks],
  instructions: INSTRUCTIONS_1_0,
};

/** The unpublished change on top of 1.0.0: one more tool, and Instructions that mention it. */
export const DRAFT_CHANGE = {
  types: [showMetric],
  instructions: `${INSTRUCTIONS_1_0}
- show_metric: when the user asks for one figure, show it as a tile (draft only: not published yet).`,
};

/** Arguments a person can paste into a host (or a test can send) to see each page. */
export const EXAMPLES = {
  show_order: {
    order_id: 'A-1042',
    customer: 'Ada Lovelace',
    status: 'shipped',
    currency: 'EUR',
    items: [
      { name: 'Brass compass', quantity: 2, unit_price: 24.5 },
      { name: 'Chart of the Channel', quantity: 1, unit_price: 12 },
    ],
  },
  show_tasks: {
    title: 'Spring launch',
    tasks: [
      { title: 'Write release notes', status: 'done', owner: 'Ada' },
      { title: 'Record the demo video', status: 'doing', owner: 'Grace' },
      { title: 'Email the customers', status: 'todo' },
    ],
  },
  show_metric: { label: 'Weekly revenue', value: 12840, unit: 'EUR', previous: 11200 },
};
