// Requests exactly as written: node:http sends the path byte for byte (fetch would
// normalize `%2e%2e` away) and any body (Buffers with invalid UTF-8 included); `raw`
// writes a whole request to a socket, for what no HTTP client will send (CR or LF
// inside a header value, NUL, obs-fold, a malformed request line).
import http from 'node:http';
import net from 'node:net';

/** {status, headers, text, json, contentType}; a dropped connection is status 0. */
export function send(port, { method = 'GET', path, headers = {}, body }) {
  return new Promise((resolve) => {
    const buf = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(String(body));
    const h = { ...headers };
    if (buf !== undefined) h['content-length'] = String(buf.length);
    let req;
    try {
      req = http.request({ host: '127.0.0.1', port, method, path, headers: h, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(reply(res.statusCode, res.headers, Buffer.concat(chunks))));
      res.on('error', () => resolve(reply(0, {}, Buffer.alloc(0))));
      });
    } catch (e) {
      return resolve(reply(-1, {}, Buffer.from(`the client refused to send it: ${e.message}`)));
    }
    req.setTimeout(60_000, () => req.destroy());
    req.on('error', () => resolve(reply(0, {}, Buffer.alloc(0))));
    if (buf !== undefined) req.end(buf); else req.end();
  });
}

/** Writes `text` (a string or Buffer) to a fresh connection and parses the first response. */
export function raw(port, text) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      sock.destroy();
      const all = Buffer.concat(chunks);
      const sep = all.indexOf('\r\n\r\n');
      if (sep < 0) return resolve(reply(0, {}, all));
      const head = all.subarray(0, sep).toString('latin1').split('\r\n');
      const status = Number(head[0].split(' ')[1]) || 0;
      const headers = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      let rest = all.subarray(sep + 4);
      if (/chunked/i.test(headers['transfer-encoding'] ?? '')) rest = dechunk(rest);
      else if (headers['content-length']) rest = rest.subarray(0, Number(headers['content-length']));
      resolve(reply(status, headers, rest));
    };
    sock.on('data', (c) => {
      chunks.push(c);
      const all = Buffer.concat(chunks);
      const sep = all.indexOf('\r\n\r\n');
      if (sep >= 0) {
        const head = all.subarray(0, sep).toString('latin1');
        const len = head.match(/content-length:\s*(\d+)/i);
        if (len && all.length >= sep + 4 + Number(len[1])) finish();
        if (/transfer-encoding:\s*chunked/i.test(head) && all.subarray(sep).includes('\r\n0\r\n\r\n')) finish();
      }
    });
    sock.on('end', finish);
    sock.on('close', finish);
    sock.on('error', finish);
    sock.setTimeout(30_000, finish);
    sock.write(text);
  });
}

function dechunk(buf) {
  const out = [];
  let i = 0;
  while (i < buf.length) {
    const nl = buf.indexOf('\r\n', i);
    if (nl < 0) break;
    const n = parseInt(buf.subarray(i, nl).toString(), 16);
    if (!n) break;
    out.push(buf.subarray(nl + 2, nl + 2 + n));
    i = nl + 2 + n + 2;
  }
  return Buffer.concat(out);
}

function reply(status, headers, body) {
  const text = body.toString('utf8');
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  const contentType = String(headers['content-type'] ?? '');
  return { status, headers, text, json, contentType };
}
