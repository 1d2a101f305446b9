// The hostile battery's cases, generated: every one is a request that must be refused
// (or, where marked `okStatuses`, answered harmlessly) without a 5xx, with a clear error
// in the surface's shape, and without changing any state.
//   expect: 'api'   {"error", "message"} (management API and edge)
//           'oauth' {"error", "error_description"} (or the management shape: 413, 415, 429)
//           'rpc'   a JSON-RPC error, an isError tool result, or the HTTP-level {"error", "message"}
//           'html'  an HTML page (Studio, /oauth/authorize)
//           'wire'  refused by workerd's HTTP parser before the Worker runs: any 4xx or a
//                   closed connection is fine (the Worker never saw it)

const MiB2 = 2 * 1024 * 1024;
const deepArray = (n) => '['.repeat(n) + ']'.repeat(n);
const deepObject = (n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const bytes = (...parts) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

/** Malformed, truncated, deep, huge, non-UTF-8 and wrong-shape bodies made from a valid one. */
export function badBodies(valid) {
  const text = JSON.stringify(valid);
  const first = Object.keys(valid)[0];
  return [
    ['empty', ''],
    ['whitespace', ' \r\n\t '],
    ['truncated-half', text.slice(0, Math.floor(text.length / 2))],
    ['truncated-last-byte', text.slice(0, -1)],
    ['unterminated-string', `{"${first}":"abc`],
    ['trailing-comma', `${text.slice(0, -1)},}`],
    ['single-quotes', text.replaceAll('"', "'")],
    ['nan', `{"${first}": NaN}`],
    ['comment', `/* c */${text}`],
    ['two-documents', text + text],
    ['top-level-array', `[${text}]`],
    ['top-level-string', '"a string"'],
    ['top-level-number', '42'],
    ['top-level-null', 'null'],
    ['top-level-true', 'true'],
    ['nesting-10000-arrays', deepArray(10_000)],
    ['nesting-10000-objects', deepObject(10_000)],
    ['nesting-10000-in-a-field', `{"${first}":${deepArray(10_000)}}`],
    ['body-2MiB', JSON.stringify({ ...valid, pad: 'x'.repeat(MiB2) })],
    ['invalid-utf8', bytes(`{"${first}":"`, [0xff, 0xfe, 0xc0, 0xaf], '"}')],
    ['utf8-encoded-surrogate', bytes(`{"${first}":"`, [0xed, 0xa0, 0x80], '"}')],
    ['escaped-lone-surrogate', `{"${first}":"\\ud800"}`],
    ['utf16le-bom', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
    ['unknown-field-only', '{"zz_unknown":1}'],
  ];
}

/** Each field of `valid` replaced by values of every JSON type it is not. */
export function wrongTypes(valid, types) {
  // One wrong type per field keeps the battery's cost down: a number where a string
  // belongs, an object where anything else does.
  const out = [];
  for (const [field, okTypes] of Object.entries(types)) {
    const [t, v] = okTypes.includes('string') ? ['number', 12345] : ['string', 'a'];
    out.push([`${field}-as-${t}`, JSON.stringify({ ...valid, [field]: v })]);
    if (!okTypes.includes('object')) out.push([`${field}-as-object`, JSON.stringify({ ...valid, [field]: { a: 1 } })]);
  }
  return out;
}

/** A valid body under media types the JSON routes must refuse (415). */
export function wrongContentTypes(valid) {
  const text = JSON.stringify(valid);
  return [
    ['no-content-type', undefined],
    ['text/plain', 'text/plain'],
    ['form-urlencoded', 'application/x-www-form-urlencoded'],
    ['application/jsonx', 'application/jsonx'],
  ].map(([name, ct]) => [name, ct, text]);
}

/** Slugs and names that must never reach storage or resolve to another object. */
export const HOSTILE_SEGMENTS = [
  ['dotdot', '..'],
  ['encoded-dotdot', '%2e%2e'],
  ['traversal', '..%2f..%2fetc%2fpasswd'],
  ['encoded-slash', 'a%2fb'],
  ['backslash', '..%5c..%5cwindows'],
  ['nul', 'hostile%00'],
  ['invalid-utf8', '%ff%fe'],
  ['overlong-utf8-dot', '%c0%ae%c0%ae'],
  ['uppercase', 'HOSTILE'],
  ['trailing-space', 'hostile%20'],
  ['semicolon', 'hostile;x=1'],
  ['sql', "'%20OR%20'1'='1"],
  ['sql-comment', 'hostile--%20'],
  ['html', '%3Cscript%3Ealert(1)%3C%2Fscript%3E'],
  ['overlong', 'a'.repeat(300)],
  ['cyrillic-homoglyph', '%D0%B0cme'],
  ['reserved-draft', 'draft'],
  ['reserved-api', 'api'],
  ['reserved-oauth', 'oauth'],
  ['reserved-well-known', '.well-known'],
  ['reserved-studio', 'studio'],
];

/** Slug values for create bodies that must be a 422 (never a 201). */
export const BAD_SLUGS = [
  '../x', '..', 'a/b', 'a\\b', 'a\u0000b', 'UPPER', '-leading', 'a'.repeat(64), "x' OR '1'='1", 'x;--',
  '<script>', 'draft', 'api', 'oauth', '.well-known', 'studio', 'healthz', 'admin', 'login', 'аcme', ' spaced', '',
];

/** Redirect URIs registration must refuse. */
export const BAD_REDIRECTS = [
  'javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd', 'vbscript:x',
  'https://app.example.test/cb#fragment', 'https://user:pw@app.example.test/cb', 'http://evil.example/cb',
  'https://app.example.test/cb\r\nSet-Cookie: x=1', '//app.example.test/cb', '/relative', '', 'https://',
  `https://app.example.test/${'a'.repeat(10_000)}`, 'about:blank', 'blob:https://app.example.test/x',
];

export const SQL = ["' OR '1'='1", "'; DROP TABLE users; --", '" OR ""="', '1; SELECT * FROM sqlite_master', "\\'; --"];
export const HTML = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>"];
