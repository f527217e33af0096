import http from 'node:http';

/**
 * A registry's /metrics as text ('' when it does not answer), over `agent`. With METRICS_TOKEN in
 * the environment the registry (started with it) asks for it, so it is sent.
 */
export function metricsText(url, agent) {
  const headers = process.env.METRICS_TOKEN ? { authorization: `Bearer ${process.env.METRICS_TOKEN}` } : {};
  return new Promise((resolve) => {
    http
      .get(`${url}/metrics`, { agent, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(body));
      })
      .on('error', () => resolve(''));
  });
}
