// Koa app with @koa/router, run by tests/servers/runners.py on 127.0.0.1.
//
// Usage: node koa.js PORT [allowed|cors]
// Routes: /items GET+POST, /items/:id GET+PUT+DELETE (no PATCH), /readonly GET.
// Without router.allowedMethods() a method with no route falls through to Koa's 404.
// "allowed" adds allowedMethods(): 405 with Allow for a known path, 501 for a verb the
// router does not know, OPTIONS 200 with Allow. "cors" is "allowed" behind @koa/cors
// for https://app.example.
'use strict';

const Koa = require('koa');
const Router = require('@koa/router');

const mode = process.argv[3] || '';
const app = new Koa();
const router = new Router();

router.get('/items', (ctx) => {
  ctx.body = [{ id: 1 }];
});
router.post('/items', (ctx) => {
  ctx.status = 201;
  ctx.body = { id: 2 };
});
router.get('/items/:id', (ctx) => {
  ctx.body = { id: Number(ctx.params.id) };
});
router.put('/items/:id', (ctx) => {
  ctx.body = { id: Number(ctx.params.id) };
});
router.delete('/items/:id', (ctx) => {
  ctx.status = 204;
});
router.get('/readonly', (ctx) => {
  ctx.body = { read: 'only' };
});

if (mode === 'cors') {
  app.use(require('@koa/cors')({ origin: 'https://app.example' }));
}
app.use(router.routes());
if (mode === 'allowed' || mode === 'cors') {
  app.use(router.allowedMethods());
}

const server = app.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});

process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
