// The two ways to get an audit record from the hot path into D1, measured
// with the same ~700-byte record (bench/audit.mjs):
//   POST /none        respond only (the floor)
//   POST /queue       waitUntil(queue.send(record)); the queue consumer
//                     inserts each batch in one D1 batch (what Dockyard does)
//   POST /do          waitUntil(buffer DO append); the DO's alarm flushes its
//                     SQLite buffer to D1 every 500 ms (the alternative)
//   POST /do-await    the same append, awaited before responding (the
//                     alternative with the record durable before the answer)
//   GET  /count       rows in D1;  POST /reset  empties D1 and the buffers
// One buffer DO per "project" (`?p=`), like the project hub would be.
const RECORD = (i) => JSON.stringify({
  id: `req_${crypto.randomUUID().replaceAll('-', '')}`, at: Date.now(), duration_ms: 12, org: 'bench', project: 'demo',
  channel: 'production', version: '1.0.0', method: 'tools/call', tool: 'show_order', tool_kind: 'interactive',
  era: 'modern', protocol_version: '2026-07-28', status: 'ok', error_code: null, user_id: 'usr_0123456789abcdef',
  user_email: null, client_id: 'https://app.example.com/client.json', client_name: null, grant_id: 'grt_0123456789abcdef',
  host_name: 'bench', host_version: '1', args_sha256: 'a'.repeat(64), args_bytes: 20, result_sha256: 'b'.repeat(64),
  result_bytes: 300, n: i,
});

const SCHEMA = 'CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, doc TEXT NOT NULL)';
let ready = null;
const schema = (db) => (ready ??= db.exec(SCHEMA));

async function insertAll(db, docs) {
  await schema(db);
  const stmt = db.prepare('INSERT INTO records (id, doc) VALUES (?1, ?2) ON CONFLICT(id) DO NOTHING');
  await db.batch(docs.map((d) => stmt.bind(JSON.parse(d).id, d)));
}

export class Buffer {
  constructor(state, env) {
    this.state = state;
    this.env = env;
    state.storage.sql.exec('CREATE TABLE IF NOT EXISTS buf (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL)');
  }

  async fetch(req) {
    if (new URL(req.url).pathname === '/reset') {
      this.state.storage.sql.exec('DELETE FROM buf');
      return new Response('ok');
    }
    this.state.storage.sql.exec('INSERT INTO buf (doc) VALUES (?)', await req.text());
    if ((await this.state.storage.getAlarm()) === null) await this.state.storage.setAlarm(Date.now() + 500);
    return new Response('ok');
  }

  async alarm() {
    const rows = this.state.storage.sql.exec('SELECT seq, doc FROM buf ORDER BY seq LIMIT 100').toArray();
    if (rows.length) {
      await insertAll(this.env.DB, rows.map((r) => r.doc));
      this.state.storage.sql.exec('DELETE FROM buf WHERE seq <= ?', rows[rows.length - 1].seq);
    }
    const left = this.state.storage.sql.exec('SELECT COUNT(*) AS n FROM buf').one().n;
    if (left > 0) await this.state.storage.setAlarm(Date.now() + (rows.length === 100 ? 0 : 500));
  }
}

let n = 0;
export default {
  async fetch(req, env, ctx) {
    const url = new URL(req.url);
    const stub = () => env.BUFFER.get(env.BUFFER.idFromName(url.searchParams.get('p') ?? 'demo'));
    switch (url.pathname) {
      case '/none': return new Response('{}');
      case '/queue': {
        const doc = RECORD(n++);
        ctx.waitUntil(env.Q.send(doc, { contentType: 'text' }));
        return new Response('{}');
      }
      case '/do': {
        const doc = RECORD(n++);
        ctx.waitUntil(stub().fetch('https://do/append', { method: 'POST', body: doc }));
        return new Response('{}');
      }
      case '/do-await': {
        const doc = RECORD(n++);
        await stub().fetch('https://do/append', { method: 'POST', body: doc });
        return new Response('{}');
      }
      case '/count': {
        await schema(env.DB);
        const { n: count } = await env.DB.prepare('SELECT COUNT(*) AS n FROM records').first();
        return Response.json({ count });
      }
      case '/reset': {
        await schema(env.DB);
        await env.DB.exec('DELETE FROM records');
        for (const p of ['demo', 'p1', 'p2', 'p3']) await env.BUFFER.get(env.BUFFER.idFromName(p)).fetch('https://do/reset');
        return new Response('ok');
      }
      default: return new Response('not found', { status: 404 });
    }
  },
  async queue(batch, env) {
    await insertAll(env.DB, batch.messages.map((m) => m.body));
    batch.ackAll();
  },
};
