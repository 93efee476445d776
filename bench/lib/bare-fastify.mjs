/**
 * Child process: the status-poll baseline. A bare Fastify 5 server with the same logging as
 * genq (a pino logger configured like genq's createLogger, request logging replaced by one
 * JSON line per request written from an onResponse hook with the same fields), and one route,
 * GET /v1/tasks/:id, that returns a JSON object of the same shape and size as genq's answer
 * (the parent passes the body genq returned). No auth, no store, no URL signing: that is the
 * work genq adds, and what the ratio measures.
 *
 * argv[2] (JSON): { body: the object to return }
 */
import Fastify, { LogController } from 'fastify';
import { pino } from 'pino';

const { body } = JSON.parse(process.argv[2]);
const logger = pino({ level: 'info', base: { service: 'genq' }, timestamp: pino.stdTimeFunctions.isoTime });
const app = Fastify({
  loggerInstance: logger,
  logController: new LogController({ disableRequestLogging: true }),
  trustProxy: false,
  return503OnClosing: true,
  forceCloseConnections: 'idle',
});
app.addHook('onResponse', (req, reply, done) => {
  const ms = reply.elapsedTime;
  req.log.info(
    { method: req.method, url: req.url.split('?')[0], route: req.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(ms * 100) / 100, account_id: 'acct' },
    'request',
  );
  done();
});
app.get('/v1/tasks/:id', async (req) => ({ ...body, id: req.params.id }));
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();

process.on('message', async (m) => {
  if (m.cmd === 'cpu') process.send(process.cpuUsage());
  else if (m.cmd === 'close') {
    await app.close();
    process.exit(0);
  }
});
process.send({ url: `http://127.0.0.1:${addr.port}` });
