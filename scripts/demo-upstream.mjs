// The demo's backend for the `http` data tool `order_status` (acme/data, seeded
// by scripts/seed.mjs): a small Node server on 127.0.0.1 that `npm run dev`
// starts and stops with itself (scripts/dev.sh). It does what an org's real
// backend should: verify Dockyard-Signature over the raw body (the README's
// snippet), refuse anything else with 401, then answer from a fixed table.
//
// Usage: DEMO_UPSTREAM_SECRET=... node scripts/demo-upstream.mjs <port>
import { createServer } from 'node:http';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The signing secret the seed stores as the project secret SIGNING: derived from SECRETS_KEY. */
export function demoUpstreamSecret(secretsKey) {
  return `whsec_${createHash('sha256').update(`dockyard demo upstream|${secretsKey}`).digest('hex').slice(0, 40)}`;
}

// The README's verifier ("Verifying the signature"), unchanged.
export function verifyDockyardSignature(secret, header, rawBody, toleranceSecs = 300) {
  const parts = Object.fromEntries(String(header ?? '').split(',').map((p) => p.trim().split('=', 2)));
  if (!/^\d+$/.test(parts.t ?? '') || !/^[0-9a-f]{64}$/.test(parts.v1 ?? '')) return false;
  if (Math.abs(Date.now() / 1000 - Number(parts.t)) > toleranceSecs) return false;
  const expected = createHmac('sha256', secret).update(`${parts.t}.`).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(parts.v1, 'hex'));
}

const ORDERS = {
  'A-1001': { status: 'shipped', carrier: 'DHL', eta: '2026-12-03' },
  'A-1002': { status: 'packing', carrier: null, eta: '2026-12-05' },
  'A-1003': { status: 'delivered', carrier: 'UPS', eta: null },
};

export function startDemoUpstream(port, secret) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const send = (status, value) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.method !== 'POST') return send(405, { error: 'POST only' });
      if (!verifyDockyardSignature(secret, req.headers['dockyard-signature'], raw)) {
        return send(401, { error: 'the Dockyard-Signature does not verify' });
      }
      const { arguments: args, caller } = JSON.parse(raw.toString('utf8'));
      const order = ORDERS[args.order_id];
      if (!order) {
        return send(200, {
          content: [{ type: 'text', text: `No order ${args.order_id}. Known orders: ${Object.keys(ORDERS).join(', ')}.` }],
          isError: true,
        });
      }
      send(200, { order_id: args.order_id, ...order, checked_for: caller.user_id ?? 'anonymous', channel: caller.channel });
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 8788);
  const secret = process.env.DEMO_UPSTREAM_SECRET;
  if (!secret) throw new Error('DEMO_UPSTREAM_SECRET is not set');
  await startDemoUpstream(port, secret);
  console.log(`demo upstream: http://127.0.0.1:${port} (order_status backend)`);
}
