/**
 * One persistent keep-alive connection per upstream for its health checks. A
 * fresh TLS connection per check costs every API server one full handshake per
 * second per node (5,000 nodes: 5,000 handshakes/s each, for checks alone);
 * reusing one connection makes the steady state a single small request. A check
 * that fails or times out destroys its connection (health-check.ts), so the next
 * check dials fresh and still notices a host that stopped accepting or stopped
 * answering TLS, as the data path would.
 *
 * kube-apiserver keeps an idle HTTP/1.1 connection 90 s (its http.Server
 * IdleTimeout), far above any check interval kubeha uses.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { CheckTls } from './health-check.js';

export class CheckAgent {
  private agent?: HttpAgent;
  private kind?: 'http' | 'https';
  private tls?: CheckTls;

  /** The agent for this kind and TLS material; a change of either starts a new one. */
  get(kind: 'http' | 'https', tls: CheckTls): HttpAgent {
    if (this.agent && this.kind === kind && this.tls === tls) return this.agent;
    this.destroy();
    const opts = {
      keepAlive: true,
      // Checks overlap only against a slow server (up to `fall` in flight): one idle
      // connection is kept, extra ones close when their check is done.
      maxFreeSockets: 1,
      scheduling: 'lifo' as const,
    };
    this.agent = kind === 'https' ? new HttpsAgent(opts) : new HttpAgent(opts);
    this.kind = kind;
    this.tls = tls;
    return this.agent;
  }

  /** Closes every connection (the upstream's checks stopped). */
  destroy(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }
}
