/**
 * The resource part of the lab's API: `GET /api/v1/...` and `/apis/GROUP/VERSION/...`
 * paths of the kinds in resources.ts, as list, get and watch over the shared store.
 * The lab is read-only: clients read it, the lab itself writes it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { status } from './api-responses.js';
import { apiVersionOf, findResource, qualifiedName, type ResourceType } from './resources.js';
import {
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
  type LabObject,
} from './selectors.js';
import type { LabStore, WatchFilter } from './store.js';
import { tableVersion, toTable, type IncludeObject } from './tables.js';
import { WatchStream, type AnyResponse } from './watch-stream.js';

export type AnyRequest = IncomingMessage | Http2ServerRequest;

/** What the serving lab server contributes to a request. */
export interface ServeContext {
  serverName: string;
  /** The server hangs just now: watch events are held back. */
  held: () => boolean;
  /** The server ends or flushes these when it dies or resumes. */
  watches: Set<WatchStream>;
}

export interface ResourceApiOptions {
  /** Period of BOOKMARK events on watches that allow them (default 60 s, about kube-apiserver's). */
  bookmarkMs?: number;
}

interface Target {
  resource: ResourceType;
  namespace?: string;
  name?: string;
}

/** `/api/v1/[namespaces/NS/]PLURAL[/NAME]` or the same under `/apis/G/V`; null when not a resource path. */
export function parseResourcePath(path: string): Target | 'unknown' | null {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3)
    [group, version, rest] = ['', parts[1]!, parts.slice(2)];
  else if (parts[0] === 'apis' && parts.length >= 4)
    [group, version, rest] = [parts[1]!, parts[2]!, parts.slice(3)];
  else return null;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length > 2) return 'unknown'; // subresources (status, log, ...) are not served
  const resource = findResource(group, version, rest[0]!);
  if (!resource || (namespace !== undefined && !resource.namespaced)) return 'unknown';
  return { resource, namespace, name: rest[1] };
}

export class ResourceApi {
  constructor(
    readonly store: LabStore,
    private readonly opts: ResourceApiOptions = {},
  ) {}

  /** Answers a resource path; returns false when the path is not one. */
  handle(req: AnyRequest, res: AnyResponse, url: URL, ctx: ServeContext): boolean {
    const target = parseResourcePath(url.pathname);
    if (target === null) return false;
    if (target === 'unknown') {
      json(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return true;
    }
    if (req.method !== 'GET') {
      json(
        res,
        405,
        status(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource (the lab is read-only)',
        ),
      );
      return true;
    }
    const q = url.searchParams;
    let filter: WatchFilter;
    try {
      const labels = parseLabelSelector(q.get('labelSelector'));
      const fields = parseFieldSelector(q.get('fieldSelector'), target.resource.kind);
      const name = target.name;
      filter = {
        namespace: target.namespace,
        match: (o) => (name === undefined || o.metadata.name === name) && labels(o) && fields(o),
      };
    } catch (err) {
      if (!(err instanceof SelectorError)) throw err;
      json(res, 400, status(400, 'BadRequest', err.message));
      return true;
    }
    const r = target.resource;
    const asTable = tableVersion(headerOf(req, 'accept'));
    const include = (q.get('includeObject') ?? 'Metadata') as IncludeObject;
    const table = (
      objects: LabObject[],
      extra: { resourceVersion?: string; withColumns?: boolean },
    ) => toTable(r.kind, objects, { version: asTable!, include, ...extra });
    const present = (o: LabObject) => decorate(o, ctx.serverName);
    const rv = () => String(this.store.resourceVersion);
    if (q.get('watch') === '1' || q.get('watch') === 'true') {
      // As a Table, each event holds a one-row table; only the first carries the columns.
      let first = true;
      const render = asTable
        ? (o: LabObject) => table([present(o)], { withColumns: first ? !(first = false) : false })
        : present;
      this.watch(res, r, filter, q, ctx, render);
    } else if (target.name !== undefined) {
      const obj = this.store.get(r, target.namespace, target.name);
      if (!obj) json(res, 404, notFound(r, target.name));
      else
        json(res, 200, asTable ? table([present(obj)], { resourceVersion: rv() }) : present(obj));
    } else {
      const items = this.store.list(r, filter).map(present);
      if (asTable) json(res, 200, table(items, { resourceVersion: rv() }));
      else {
        json(res, 200, {
          kind: `${r.kind}List`,
          apiVersion: apiVersionOf(r),
          metadata: { resourceVersion: rv() },
          // List items carry no kind/apiVersion, as kube-apiserver encodes them.
          items: items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest),
        });
      }
    }
    return true;
  }

  private watch(
    res: AnyResponse,
    r: ResourceType,
    filter: WatchFilter,
    q: URLSearchParams,
    ctx: ServeContext,
    present: (o: LabObject) => object,
  ): void {
    const rvParam = q.get('resourceVersion') ?? '';
    const since = rvParam === '' || rvParam === '0' ? null : Number(rvParam);
    if (since !== null && !Number.isSafeInteger(since)) {
      json(res, 400, status(400, 'BadRequest', `invalid resource version "${rvParam}"`));
      return;
    }
    const bookmarks = q.get('allowWatchBookmarks') === 'true';
    const initialEvents = q.get('sendInitialEvents') === 'true';
    const store = this.store;
    const stream: WatchStream = new WatchStream(res, {
      timeoutMs: Math.max(0, Number(q.get('timeoutSeconds') ?? 0) || 0) * 1000,
      bookmarkMs: bookmarks ? (this.opts.bookmarkMs ?? 60_000) : 0,
      kind: r.kind,
      apiVersion: apiVersionOf(r),
      currentRv: () => store.resourceVersion,
      held: ctx.held,
      onClose: () => {
        unsubscribe();
        ctx.watches.delete(stream);
      },
    });
    ctx.watches.add(stream);
    // Subscribing and replaying in one turn of the event loop leaves no gap between them.
    const unsubscribe = store.subscribe(r, filter, (e) => stream.send(e.type, present(e.object)));
    if (since === null || initialEvents) {
      // No resourceVersion ("0" or none): the current state as ADDED events, then changes.
      for (const o of store.list(r, filter)) stream.send('ADDED', present(o));
      if (initialEvents && bookmarks) stream.bookmark({ 'k8s.io/initial-events-end': 'true' });
      return;
    }
    const missed = store.eventsSince(r, since, filter);
    if (missed === null) {
      // kube-apiserver's watch cache answers a compacted resourceVersion inside the stream.
      stream.send(
        'ERROR',
        status(
          410,
          'Expired',
          `too old resource version: ${since} (${store.oldestResourceVersion})`,
        ),
      );
      stream.end();
      return;
    }
    for (const e of missed) stream.send(e.type, present(e.object));
  }
}

function headerOf(req: AnyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** The lab names the server that answered inside Endpoints objects (tests follow watches by it). */
function decorate(o: LabObject, serverName: string): LabObject {
  if (o.kind !== 'Endpoints') return o;
  const annotations = {
    ...(o.metadata.annotations as object),
    'lab.kubeha.io/served-by': serverName,
  };
  return { ...o, metadata: { ...o.metadata, annotations } };
}

function notFound(r: ResourceType, name: string): object {
  return {
    ...status(404, 'NotFound', `${qualifiedName(r)} "${name}" not found`),
    details: { name, ...(r.group ? { group: r.group } : {}), kind: r.plural },
  };
}

export function json(res: AnyResponse, code: number, body: object): void {
  (res as ServerResponse).writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
