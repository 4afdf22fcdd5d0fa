/**
 * Discovery of API servers from `default/kubernetes`, pure part: which addresses
 * an EndpointSlice or Endpoints object lists, and how a list+watch keeps the set
 * of objects. kube-apiserver's endpoint reconciler keeps that Service's endpoints
 * at the live API servers (each adds its advertise address and, with the lease
 * reconciler, removes it when it shuts down or its lease expires), and writes
 * them both as the Endpoints object and as the EndpointSlice labelled
 * `kubernetes.io/service-name=kubernetes`. Discovered addresses are added to the
 * configured ones, never substituted for them: the configuration stays the
 * bootstrap list.
 */
import { formatHostPort } from '../shared/address.js';

export const SLICES_PATH = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices';
/**
 * kube-apiserver names the slice after the Service (pkg/controlplane/reconcilers/
 * endpointsadapter.go): selecting by name as well lets RBAC grant this one object
 * (`resourceNames: [kubernetes]`, docs/deploy.md), which a list or watch matches
 * only with a metadata.name field selector.
 */
export const SLICES_QUERY =
  'labelSelector=kubernetes.io%2Fservice-name%3Dkubernetes&fieldSelector=metadata.name%3Dkubernetes';
export const ENDPOINTS_LIST_PATH = '/api/v1/namespaces/default/endpoints';
export const ENDPOINTS_QUERY = 'fieldSelector=metadata.name%3Dkubernetes';
/** The one read the node authorizer grants a kubelet here (`get endpoints`). */
export const ENDPOINTS_PATH = '/api/v1/namespaces/default/endpoints/kubernetes';

/** The API servers' port is the one kube-apiserver names `https`. */
const PORT_NAME = 'https';

interface EndpointsObject {
  kind?: string;
  subsets?: {
    addresses?: { ip?: string }[];
    ports?: { name?: string; port?: number }[];
  }[];
}

interface EndpointSliceObject {
  kind?: string;
  addressType?: string;
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean | null } }[];
  ports?: { name?: string; port?: number }[];
}

/** `HOST:PORT` of every ready address (`subsets[].addresses`) on the `https` port. */
export function endpointAddresses(obj: unknown): string[] {
  const ep = obj as EndpointsObject;
  if (ep?.kind !== 'Endpoints' || !Array.isArray(ep.subsets)) return [];
  const out = new Set<string>();
  for (const subset of ep.subsets) {
    const port = subset.ports?.find((p) => p.name === PORT_NAME)?.port;
    if (typeof port !== 'number') continue;
    for (const a of subset.addresses ?? []) {
      if (typeof a.ip === 'string' && a.ip !== '') out.add(formatHostPort({ host: a.ip, port }));
    }
  }
  return [...out].sort();
}

/**
 * `HOST:PORT` of every endpoint of an EndpointSlice that is not known to be
 * unready (discovery.k8s.io/v1: a nil `ready` means ready), on the `https` port.
 */
export function sliceAddresses(obj: unknown): string[] {
  const s = obj as EndpointSliceObject;
  if (s?.kind !== 'EndpointSlice' || (s.addressType !== 'IPv4' && s.addressType !== 'IPv6'))
    return [];
  const port = s.ports?.find((p) => p.name === PORT_NAME)?.port;
  if (typeof port !== 'number') return [];
  const out = new Set<string>();
  for (const e of s.endpoints ?? []) {
    if (e.conditions?.ready === false) continue;
    for (const ip of e.addresses ?? [])
      if (typeof ip === 'string' && ip !== '') out.add(formatHostPort({ host: ip, port }));
  }
  return [...out].sort();
}

/** Every address the objects list (slices and Endpoints alike), sorted. */
export function addressesOf(objects: Iterable<unknown>): string[] {
  const out = new Set<string>();
  for (const o of objects) {
    const kind = (o as { kind?: string })?.kind;
    for (const a of kind === 'EndpointSlice' ? sliceAddresses(o) : endpointAddresses(o)) out.add(a);
  }
  return [...out].sort();
}

/** Configured first, in order, then discovered ones not already configured. */
export function mergeUpstreams(
  configured: readonly string[],
  discovered: readonly string[],
): string[] {
  const seen = new Set(configured);
  return [...configured, ...discovered.filter((d) => !seen.has(d))];
}

export interface ObjectMeta {
  metadata?: { name?: string; resourceVersion?: string };
}

/** A list response: its objects by name and the resourceVersion to watch from. */
export function readList(
  body: unknown,
  itemKind: string,
): { objects: Map<string, unknown>; resourceVersion: string } {
  const list = body as { items?: unknown[]; metadata?: { resourceVersion?: string } };
  if (!Array.isArray(list?.items)) throw new Error('the list response has no items');
  const objects = new Map<string, unknown>();
  // List items carry no kind (the list's kind says it): give them theirs.
  for (const item of list.items) {
    const name = (item as ObjectMeta)?.metadata?.name ?? '';
    objects.set(name, { kind: itemKind, ...(item as object) });
  }
  return { objects, resourceVersion: list.metadata?.resourceVersion ?? '' };
}

export type WatchStep =
  | { kind: 'changed' | 'bookmark'; resourceVersion?: string }
  | { kind: 'expired'; message: string }
  | { kind: 'error'; message: string };

/**
 * One watch event applied to the objects (k8s.io/apimachinery watch.Event):
 * ADDED/MODIFIED/DELETED change them, BOOKMARK only moves the resourceVersion,
 * ERROR carries a Status, 410 (Expired/Gone) meaning "list again".
 */
export function applyWatchEvent(objects: Map<string, unknown>, event: unknown): WatchStep {
  const e = event as { type?: string; object?: ObjectMeta & { code?: number; message?: string } };
  const obj = e?.object;
  const rv = obj?.metadata?.resourceVersion;
  switch (e?.type) {
    case 'ADDED':
    case 'MODIFIED':
      objects.set(obj?.metadata?.name ?? '', obj);
      return { kind: 'changed', resourceVersion: rv };
    case 'DELETED':
      objects.delete(obj?.metadata?.name ?? '');
      return { kind: 'changed', resourceVersion: rv };
    case 'BOOKMARK':
      return { kind: 'bookmark', resourceVersion: rv };
    case 'ERROR':
      return obj?.code === 410
        ? { kind: 'expired', message: obj.message ?? '410 Gone' }
        : { kind: 'error', message: `watch error ${obj?.code ?? ''}: ${obj?.message ?? ''}` };
    default:
      return { kind: 'error', message: `unknown watch event type ${String(e?.type)}` };
  }
}
