// hapi app, run by tests/servers/runners.py on 127.0.0.1.
//
// Usage: node hapi.js PORT [cors]
// Routes: /items GET+POST, /items/{id} GET+PUT+DELETE (no PATCH), /readonly GET.
// hapi serves HEAD from GET routes; a method with no route is a 404. With "cors" every
// route gets hapi's CORS handling for https://app.example (hapi answers preflights).
'use strict';

const Hapi = require('@hapi/hapi');

const cors = process.argv[3] === 'cors';

async function main() {
  const server = Hapi.server({
    port: Number(process.argv[2] || 0),
    host: '127.0.0.1',
    routes: cors ? { cors: { origin: ['https://app.example'] } } : {},
  });
  server.route([
    { method: 'GET', path: '/items', handler: () => [{ id: 1 }] },
    { method: 'POST', path: '/items', handler: (request, h) => h.response({ id: 2 }).code(201) },
    { method: 'GET', path: '/items/{id}', handler: (request) => ({ id: Number(request.params.id) }) },
    { method: 'PUT', path: '/items/{id}', handler: (request) => ({ id: Number(request.params.id) }) },
    { method: 'DELETE', path: '/items/{id}', handler: (request, h) => h.response().code(204) },
    { method: 'GET', path: '/readonly', handler: () => ({ read: 'only' }) },
  ]);
  await server.start();
  console.log(`listening on ${server.info.port}`);
  process.on('SIGTERM', () => server.stop({ timeout: 1000 }).then(() => process.exit(0)));
}

main();
