/** A server's Prometheus text; `token` is its METRICS_TOKEN when it has one. */
export async function metricsText(server: { url: string }, token?: string): Promise<string> {
  const res = await fetch(`${server.url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return res.text();
}

/** One series' value in Prometheus text (`name` or `name{labels}`, exactly as written), or `missing`. */
export function sampleOf(text: string, series: string, missing = 0): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? missing : Number(line.slice(series.length + 1).split(' ')[0]);
}

/** One series' value as the server answers now. */
export async function metric(server: { url: string }, series: string, opts: { token?: string; missing?: number } = {}): Promise<number> {
  return sampleOf(await metricsText(server, opts.token), series, opts.missing);
}
