// Every body read on Node needs a deadline, and nearly all of them end long before it. A
// timer per read cost more than the rest of the read (a Timeout object, a timer list made
// and torn down, libuv rescheduled: 14k instructions per Fastify request, 3% of it).
// Pending deadlines instead sit in one Map, swept by one interval that fires each at most a
// tenth of its duration late. Node only: on Workers a timer must not outlive its request.

type Expire = () => void;

const pending = new Map<Expire, number>();
let sweeper: ReturnType<typeof setInterval> | undefined;
let period = Number.POSITIVE_INFINITY;

const stop = () => {
  clearInterval(sweeper);
  sweeper = undefined;
  period = Number.POSITIVE_INFINITY;
};

const sweep = () => {
  const now = Date.now();
  for (const [expire, at] of pending) {
    if (at <= now) {
      pending.delete(expire);
      expire();
    }
  }
  if (pending.size === 0) stop();
};

/** Calls `expire` once, `ms` (up to a tenth more) from now, unless {@link unwatch}ed first. */
export const watch = (expire: Expire, ms: number): void => {
  pending.set(expire, Date.now() + ms);
  const wanted = Math.min(Math.max(Math.ceil(ms / 10), 5), 1000);
  if (wanted >= period) return;
  clearInterval(sweeper);
  period = wanted;
  sweeper = setInterval(sweep, period);
  // A read in progress holds its socket open, which keeps the process alive anyway.
  sweeper.unref?.();
};

/** Cancels the deadline `expire` was {@link watch}ed with; harmless once it fired. */
export const unwatch = (expire: Expire): void => {
  pending.delete(expire);
};
