/**
 * Child process: a webhook receiver on loopback, apart from the genq under test, as a real
 * receiver would be (in genq's process it would take a share of genq's CPU). Answers every POST
 * with 204. Sends {port} once listening, then {received, at} (at: wall-clock ms, comparable
 * across processes) when argv[2] messages have arrived.
 */
import http from 'node:http';

const total = Number(process.argv[2]);
let received = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(204).end();
    if (++received === total) process.send({ received, at: performance.timeOrigin + performance.now() });
  });
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
