// Express 4 app with default behaviour, run by the express_server fixture on 127.0.0.1.
//
// Paths (what real Express answers; see tests/servers/OBSERVED.md):
//   /items      GET 200, POST 201. Express adds HEAD for GET and answers OPTIONS itself
//               with 200 and "Allow: GET,HEAD,POST". Every other verb falls through to
//               the final handler: 404 "Cannot PUT /items", no Allow.
//   /items/:id  GET 200, PUT 200, DELETE 204 (one app.route chain); OPTIONS 200 with
//               "Allow: GET,HEAD,PUT,DELETE"; POST, PATCH, TRACE: 404.
//   anything else: 404.
// Unknown verbs (XDIAGNOSE) are refused by Node's HTTP parser with 400 before Express.
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
