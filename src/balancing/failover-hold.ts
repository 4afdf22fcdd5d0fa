/**
 * When the connections of an unhealthy upstream may be closed. Closing them is
 * what moves watches and kubelets off a failed API server; but when several
 * servers fail together (an etcd blip makes every /readyz fail within a few
 * hundred milliseconds), closing the first ones to fail only moves their clients
 * onto the next to fail, and panic mode then keeps everybody there. So a failure
 * close to another one (a correlated failure), or the moment panic mode ends
 * (the others are likely to recover in the next seconds too), holds the close
 * until health has been steady for `holdMs`. Only a server that still answers
 * (its check got an HTTP error such as `/readyz 500 [etcd failed]`) is held: what
 * its clients lose is what needs etcd, and an etcd blip is what fails servers
 * together; only such failures count as correlated. Connections to a dead or silent server are broken anyway and are
 * closed after the grace, as is a lone failure (a rolling restart, one server down).
 */
export interface HoldParams {
  /** Wait this long after the upstream turned unhealthy (unhealthyGrace). */
  graceMs: number;
  /** 0 disables the hold. */
  holdMs: number;
}

export interface HoldInput {
  /** When this upstream turned unhealthy. */
  since: number;
  /** It still answers: its last check got an HTTP answer, just not a healthy one. */
  answering: boolean;
  /** When each other serving upstream that is unhealthy now and still answers turned unhealthy. */
  othersUnhealthySince: readonly number[];
  /** When panic mode last ended, if it has. */
  panicEndedAt?: number;
}

export interface HoldDecision {
  /** The earliest time the connections may be closed. */
  at: number;
  /** Why later than the grace, for the log; undefined when not held. */
  held?: string;
}

export function closeDecision(input: HoldInput, p: HoldParams): HoldDecision {
  const base = input.since + p.graceMs;
  if (p.holdMs <= 0 || !input.answering) return { at: base };
  let at = base;
  let held: string | undefined;
  // Failures within holdMs of this one, before or after, are one event: the close
  // waits until the last of them is holdMs old.
  const correlated = input.othersUnhealthySince.filter(
    (t) => Math.abs(t - input.since) <= p.holdMs,
  );
  if (correlated.length > 0) {
    const last = Math.max(input.since, ...correlated);
    if (last + p.holdMs > at) {
      at = last + p.holdMs;
      held = `${correlated.length + 1} upstreams failed within ${p.holdMs}ms`;
    }
  }
  if (input.panicEndedAt !== undefined && input.panicEndedAt + p.holdMs > at) {
    at = input.panicEndedAt + p.holdMs;
    held = 'panic mode just ended';
  }
  return { at, held };
}
