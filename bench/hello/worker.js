// The floor: a bare worker on the same workerd that answers every request
// with a small JSON body, without any logic.
export default {
  async fetch() {
    return new Response('{"jsonrpc":"2.0","id":1,"result":{}}', { headers: { 'content-type': 'application/json' } });
  },
};
