/**
 * One watch response as kube-apiserver streams it: `{"type":…,"object":…}` lines,
 * chunked on HTTP/1.1 and DATA frames on HTTP/2, that end after `timeoutSeconds`,
 * with BOOKMARK events when the client allows them. While the serving lab server
 * hangs, events are held back (as a stopped process would hold them) and sent when
 * it resumes.
 */
import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';

export type AnyResponse = ServerResponse | Http2ServerResponse;

export interface WatchStreamOptions {
  /** End the stream after this long (the request's timeoutSeconds); 0 = never. */
  timeoutMs: number;
  /** Period of BOOKMARK events when the client sent allowWatchBookmarks; 0 = none. */
  bookmarkMs: number;
  /** kind and apiVersion of the BOOKMARK object (the watched kind). */
  kind: string;
  apiVersion: string;
  /** Newest resourceVersion for a bookmark. */
  currentRv: () => number;
  /** Whether the server is hanging just now. */
  held: () => boolean;
  onClose: () => void;
}

export class WatchStream {
  private readonly pending: string[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(
    private readonly res: AnyResponse,
    private readonly opts: WatchStreamOptions,
  ) {
    // No content-length: HTTP/1.1 sends chunks, HTTP/2 DATA frames.
    (res as ServerResponse).writeHead(200, { 'content-type': 'application/json' });
    // Headers go out now: a watch from the newest resourceVersion may have nothing to send yet.
    (res as Partial<ServerResponse>).flushHeaders?.();
    if (opts.timeoutMs > 0) {
      this.timers.push(setTimeout(() => this.end(), opts.timeoutMs));
    }
    if (opts.bookmarkMs > 0) {
      this.timers.push(setInterval(() => this.bookmark(), opts.bookmarkMs));
    }
    res.on('close', () => this.finish());
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  send(type: string, object: object): void {
    this.write(`${JSON.stringify({ type, object })}\n`);
  }

  /** A BOOKMARK: the resourceVersion the client has seen everything up to. */
  bookmark(annotations?: Record<string, string>): void {
    const metadata: Record<string, unknown> = { resourceVersion: String(this.opts.currentRv()) };
    if (annotations) metadata.annotations = annotations;
    this.send('BOOKMARK', { kind: this.opts.kind, apiVersion: this.opts.apiVersion, metadata });
  }

  /** Sends what was held back while the server hung. */
  flush(): void {
    if (this.opts.held()) return;
    for (const line of this.pending.splice(0)) (this.res as ServerResponse).write(line);
  }

  /** A graceful end (timeout), as kube-apiserver closes a watch. */
  end(): void {
    if (this.closed) return;
    this.finish();
    this.res.end();
  }

  /** The connection dies under the stream. */
  destroy(): void {
    this.finish();
    this.res.destroy();
  }

  private write(line: string): void {
    if (this.closed) return;
    if (this.opts.held()) {
      this.pending.push(line);
      return;
    }
    this.flush();
    (this.res as ServerResponse).write(line);
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.opts.onClose();
  }
}
