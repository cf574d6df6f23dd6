import { startApp, VARIANTS, type Variant } from './apps.js';

// Child-process entry: one server, driven over IPC by child.ts.
//   argv: <variant> <limit bytes>
// It reports its port, and measures its own memory so the numbers exclude the load generator.

/** Messages the parent sends. */
export type ToServer = { type: 'mark' } | { type: 'peak' } | { type: 'cpu' } | { type: 'stop' };
/** Messages the server sends back. */
export type FromServer =
  | { type: 'listening'; port: number }
  | { type: 'marked'; rss: number }
  | { type: 'peak'; rss: number; peak: number }
  | { type: 'cpu'; micros: number };

const [variant = '', limit = String(1024 * 1024)] = process.argv.slice(2);
if (!(VARIANTS as readonly string[]).includes(variant)) {
  throw new Error(`Unknown variant ${variant}; one of: ${VARIANTS.join(', ')}`);
}
// An experiment knob: `STACK_TRACE_LIMIT=0` prices what capturing stack traces costs a refusal.
if (process.env.STACK_TRACE_LIMIT) Error.stackTraceLimit = Number(process.env.STACK_TRACE_LIMIT);
const send = (message: FromServer) => process.send?.(message);
const maxRss = () => process.resourceUsage().maxRSS * 1024;

let sampled = 0;
let maxAtMark = 0;
let sampler: NodeJS.Timeout | undefined;
const sample = () => {
  sampled = Math.max(sampled, process.memoryUsage.rss());
};

const app = await startApp(variant as Variant, Number(limit));

process.on('message', async (message: ToServer) => {
  if (message.type === 'mark') {
    globalThis.gc?.();
    sampled = process.memoryUsage.rss();
    maxAtMark = maxRss();
    // The kernel's high-water mark (maxRSS) catches what a timer held up by a busy loop misses.
    sampler ??= setInterval(sample, 2);
    send({ type: 'marked', rss: sampled });
  } else if (message.type === 'peak') {
    clearInterval(sampler);
    sampler = undefined;
    sample();
    const kernel = maxRss();
    send({
      type: 'peak',
      rss: process.memoryUsage.rss(),
      peak: kernel > maxAtMark ? Math.max(kernel, sampled) : sampled,
    });
  } else if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    send({ type: 'cpu', micros: user + system });
  } else {
    await app.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
// Run by hand (e.g. under `node --cpu-prof`), it prints its address and stops on a signal.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => app.close().then(() => process.exit(0)));
}
if (process.send) send({ type: 'listening', port: app.port });
else console.log(`${variant} listening on http://127.0.0.1:${app.port}`);
