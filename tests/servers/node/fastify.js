// Fastify app with the corpus routes, run by tests/servers/runners.py on 127.0.0.1.
//
// Usage: node fastify.js PORT [cors]
// Routes: /items GET+POST, /items/:id GET+PUT+DELETE (no PATCH), /readonly GET.
// Fastify adds HEAD for every GET route; a method with no route is a 404 ("Route
// PATCH:/items/1 not found"), never a 405. With "cors", @fastify/cors answers
// preflights for https://app.example with the methods it is given.
'use strict';

const fastify = require('fastify')({ logger: false });

if (process.argv[3] === 'cors') {
  fastify.register(require('@fastify/cors'), {
    origin: 'https://app.example',
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
  });
}

fastify.get('/items', async () => [{ id: 1 }]);
fastify.post('/items', async (request, reply) => reply.code(201).send({ id: 2 }));
fastify.get('/items/:id', async (request) => ({ id: Number(request.params.id) }));
fastify.put('/items/:id', async (request) => ({ id: Number(request.params.id) }));
fastify.delete('/items/:id', async (request, reply) => reply.code(204).send());
fastify.get('/readonly', async () => ({ read: 'only' }));

fastify.listen({ port: Number(process.argv[2] || 0), host: '127.0.0.1' }).then((address) => {
  console.log(`listening on ${address}`);
});

process.on('SIGTERM', () => fastify.close().then(() => process.exit(0)));
