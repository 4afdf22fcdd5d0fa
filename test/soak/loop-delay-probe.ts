/**
 * Loaded into the soaked proxy with `node --import`: measures the process's own
 * event-loop delay and writes it, once a second, to the file named by
 * KUBEHA_SOAK_PROBE (temp file then rename, so the reader never sees half of it).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { renameSync, writeFileSync } from 'node:fs';

const file = process.env.KUBEHA_SOAK_PROBE;
if (file) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  setInterval(() => {
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    writeFileSync(`${file}.tmp`, JSON.stringify({ p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) }));
    renameSync(`${file}.tmp`, file);
  }, 1000).unref();
}
