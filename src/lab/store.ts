/**
 * The lab cluster's one object store, shared by its API servers as etcd is shared
 * by kube-apiservers: every write takes the next cluster-wide resourceVersion, so
 * a client that lists from one server can watch from another. A bounded history of
 * events backs watches from a resourceVersion, as kube-apiserver's watch cache does:
 * a resourceVersion older than the history answers 410 Expired.
 */
import { randomUUID } from 'node:crypto';
import { apiVersionOf, type ResourceType } from './resources.js';
import type { LabObject, Selector } from './selectors.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  resource: ResourceType;
  resourceVersion: number;
  object: LabObject;
  /** The object before this event (MODIFIED, DELETED), to tell selector entries and exits. */
  previous?: LabObject;
}

export interface WatchFilter {
  namespace?: string;
  match: Selector;
}

export interface WatchEvent {
  type: EventType;
  object: LabObject;
}

type Listener = (e: StoreEvent) => void;

const key = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

export class LabStore {
  private rv: number;
  /** The newest resourceVersion no longer in the history. */
  private compactedRv: number;
  private readonly objects = new Map<ResourceType, Map<string, LabObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly opts: { historyLimit?: number; now?: () => Date; firstRv?: number } = {},
  ) {
    this.rv = opts.firstRv ?? 1000;
    this.compactedRv = this.rv;
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get oldestResourceVersion(): number {
    return this.compactedRv;
  }

  get(r: ResourceType, namespace: string | undefined, name: string): LabObject | undefined {
    return this.objects.get(r)?.get(key(namespace, name));
  }

  list(r: ResourceType, filter: WatchFilter): LabObject[] {
    const items = [...(this.objects.get(r)?.values() ?? [])].filter((o) => matches(o, filter));
    return items.sort((a, b) =>
      key(a.metadata.namespace, a.metadata.name).localeCompare(
        key(b.metadata.namespace, b.metadata.name),
      ),
    );
  }

  /**
   * Creates or replaces an object. Server-set metadata (uid, creationTimestamp,
   * resourceVersion) is kept or filled in; a write that changes nothing is no
   * event, as an update with identical content is none in kube-apiserver.
   */
  put(r: ResourceType, desired: LabObject): LabObject {
    const byKey = this.objects.get(r) ?? new Map<string, LabObject>();
    this.objects.set(r, byKey);
    const k = key(desired.metadata.namespace, desired.metadata.name);
    const previous = byKey.get(k);
    const metadata: LabObject['metadata'] = {
      ...desired.metadata,
      uid: previous?.metadata.uid ?? desired.metadata.uid ?? randomUUID(),
      creationTimestamp:
        previous?.metadata.creationTimestamp ??
        desired.metadata.creationTimestamp ??
        this.timestamp(),
    };
    const next = { ...desired, kind: r.kind, apiVersion: apiVersionOf(r), metadata };
    if (previous && sameContent(previous, next)) return previous;
    next.metadata.resourceVersion = String(++this.rv);
    byKey.set(k, next);
    this.record({
      type: previous ? 'MODIFIED' : 'ADDED',
      resource: r,
      resourceVersion: this.rv,
      object: next,
      previous,
    });
    return next;
  }

  delete(r: ResourceType, namespace: string | undefined, name: string): boolean {
    const byKey = this.objects.get(r);
    const previous = byKey?.get(key(namespace, name));
    if (!byKey || !previous) return false;
    byKey.delete(key(namespace, name));
    const object = {
      ...previous,
      metadata: { ...previous.metadata, resourceVersion: String(++this.rv) },
    };
    this.record({ type: 'DELETED', resource: r, resourceVersion: this.rv, object, previous });
    return true;
  }

  /**
   * Events of `r` after `since` that a watcher with `filter` sees, or null when the
   * history no longer reaches back that far. An object that starts matching
   * arrives as ADDED and one that stops matching leaves as DELETED, as
   * kube-apiserver's watch filter reports them.
   */
  eventsSince(r: ResourceType, since: number, filter: WatchFilter): WatchEvent[] | null {
    if (since < this.compactedRv) return null;
    const out: WatchEvent[] = [];
    for (const e of this.history) {
      if (e.resourceVersion <= since || e.resource !== r) continue;
      const w = filterEvent(e, filter);
      if (w) out.push(w);
    }
    return out;
  }

  /** Calls `fn` with every later event of `r` that `filter` lets through; returns the unsubscribe. */
  subscribe(r: ResourceType, filter: WatchFilter, fn: (e: WatchEvent, rv: number) => void) {
    const listener: Listener = (e) => {
      if (e.resource !== r) return;
      const w = filterEvent(e, filter);
      if (w) fn(w, e.resourceVersion);
    };
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  timestamp(): string {
    const d = this.opts.now?.() ?? new Date();
    return `${d.toISOString().slice(0, 19)}Z`;
  }

  private record(e: StoreEvent): void {
    this.history.push(e);
    const limit = this.opts.historyLimit ?? 1000;
    while (this.history.length > limit) this.compactedRv = this.history.shift()!.resourceVersion;
    for (const l of this.listeners) l(e);
  }
}

function matches(o: LabObject, f: WatchFilter): boolean {
  return (f.namespace === undefined || o.metadata.namespace === f.namespace) && f.match(o);
}

function filterEvent(e: StoreEvent, f: WatchFilter): WatchEvent | null {
  const now = e.type !== 'DELETED' && matches(e.object, f);
  const before = e.previous !== undefined && matches(e.previous, f);
  if (e.type === 'DELETED') return before ? { type: 'DELETED', object: e.object } : null;
  if (now && before) return { type: 'MODIFIED', object: e.object };
  if (now) return { type: 'ADDED', object: e.object };
  // Left the selection: the watcher sees a deletion of the object as it now is.
  if (before) return { type: 'DELETED', object: e.object };
  return null;
}

function sameContent(a: LabObject, b: LabObject): boolean {
  const strip = (o: LabObject) =>
    JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return strip(a) === strip(b);
}
