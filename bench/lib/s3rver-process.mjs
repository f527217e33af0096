#!/usr/bin/env node
// s3rver in a process of its own: in the load generator's process, each PUT it handles would hold up
// the readers' responses and count against the reads' latency.
//   node bench/lib/s3rver-process.mjs <directory> <bucket>   (prints "listening on <port>", stops on SIGTERM)
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
if (!directory || !bucket) {
  console.error('usage: s3rver-process.mjs <directory> <bucket>');
  process.exit(2);
}
const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
const { port } = await s3.run();
console.log(`listening on ${port}`);
process.once('SIGTERM', () => s3.close().then(() => process.exit(0)));
