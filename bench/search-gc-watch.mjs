// Preloaded into the server by bench/search.mjs (BENCH_GC_WATCH=1, as `node --import`): writes each
// garbage collection's wall-clock start, duration and kind, one JSON line per pause, to the file in
// GC_WATCH_FILE, so that the bench can tell which slow requests overlapped a pause. Also each stall
// of the event loop (a 2 ms timer late by more than 4 ms) with the CPU time the process used during
// it: CPU close to the stall means the server was busy (JavaScript, GC), little CPU means the
// process was waiting (for a core other processes held, or in a blocking call).
import { appendFileSync } from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';

const file = process.env.GC_WATCH_FILE;
const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
if (file) {
  let lines = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      lines.push(JSON.stringify({ at: performance.timeOrigin + e.startTime, ms: e.duration, kind: KINDS[e.detail?.kind] ?? String(e.detail?.kind) }));
  }).observe({ entryTypes: ['gc'] });
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const late = now - last - 2;
    if (late > 4) {
      const cpuMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
      lines.push(JSON.stringify({ at: performance.timeOrigin + last, ms: now - last, kind: 'stall', cpuMs }));
    }
    last = now;
    lastCpu = cpu;
  }, 2).unref();
  // Written in batches: a write per pause would itself add to the tail being measured.
  setInterval(() => {
    if (lines.length) appendFileSync(file, `${lines.join('\n')}\n`);
    lines = [];
  }, 1000).unref();
}
