// Express 4 app with default behaviour, run by the express_server fixture on 127.0.0.1.
//
// Paths (what real Express answers; see tests/servers/OBSERVED.md):
//   /items      GET 200, POST 201. Express answers HEAD with the GET route and OPTIONS
//               itself: 200 with "Allow: GET,HEAD,POST" and no CORS headers, preflights
//               included. Every other verb (PUT, PATCH, DELETE, TRACE) falls through to
//               the final handler: 404 "Cannot PUT /items", no Allow.
//   /items/:id  GET 200, PUT 200, DELETE 204 (one app.route chain); OPTIONS 200 with
//               "Allow: GET,PUT,DELETE,HEAD"; POST, PATCH, TRACE: 404.
//   anything else: 404.
// Unknown verbs (XDIAGNOSE) never reach Express: Node's HTTP parser answers 400.
// No Server header; "X-Powered-By: Express" is the layer's fingerprint.
//
// Usage: node app.js PORT
'use strict';

const express = require('express');

const app = express();

app.get('/items', (req, res) => {
  res.json([{ id: 1 }]);
});

app.post('/items', (req, res) => {
  res.status(201).json({ id: 2 });
});

app
  .route('/items/:id')
  .get((req, res) => {
    res.json({ id: Number(req.params.id) });
  })
  .put((req, res) => {
    res.json({ id: Number(req.params.id) });
  })
  .delete((req, res) => {
    res.status(204).end();
  });

const port = Number(process.argv[2] || 0);
const server = app.listen(port, '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});

process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
