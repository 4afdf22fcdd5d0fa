/**
 * The discovery documents kubectl and client libraries read before anything else,
 * built from resources.ts: `/api` (APIVersions), `/apis` (APIGroupList),
 * `/api/v1` and `/apis/GROUP/VERSION` (APIResourceList), `/apis/GROUP` (APIGroup),
 * and aggregated discovery (apidiscovery.k8s.io v2 or v2beta1 APIGroupDiscoveryList)
 * for `/api` and `/apis` when the Accept header asks for it, which it does
 * from kubectl 1.30 on; its Content-Type tells the client which one it got.
 */
import { acceptedVersion } from './accept.js';
import { RESOURCES, type ResourceType } from './resources.js';

export interface DiscoveryAnswer {
  contentType: string;
  body: object;
}

const VERBS = ['get', 'list', 'watch'];

function groups(): { name: string; version: string; resources: ResourceType[] }[] {
  const out = new Map<string, { name: string; version: string; resources: ResourceType[] }>();
  for (const r of RESOURCES) {
    const k = `${r.group}/${r.version}`;
    if (!out.has(k)) out.set(k, { name: r.group, version: r.version, resources: [] });
    out.get(k)!.resources.push(r);
  }
  return [...out.values()];
}

function gv(g: { name: string; version: string }): string {
  return g.name === '' ? g.version : `${g.name}/${g.version}`;
}

/** Which aggregated-discovery version an Accept header asks for first, if any. */
export function aggregatedVersion(accept: string | undefined): 'v2' | 'v2beta1' | null {
  return acceptedVersion(accept, 'APIGroupDiscoveryList', 'apidiscovery.k8s.io', ['v2', 'v2beta1']);
}

function aggregated(legacy: boolean, version: 'v2' | 'v2beta1'): DiscoveryAnswer {
  const items = groups()
    .filter((g) => (g.name === '') === legacy)
    .map((g) => ({
      metadata: { name: g.name, creationTimestamp: null },
      versions: [
        {
          version: g.version,
          freshness: 'Current',
          resources: g.resources.map((r) => ({
            resource: r.plural,
            responseKind: { group: r.group, version: r.version, kind: r.kind },
            scope: r.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: r.singular,
            verbs: VERBS,
            ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
            ...(r.categories.length ? { categories: r.categories } : {}),
          })),
        },
      ],
    }));
  return {
    contentType: `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`,
    body: {
      kind: 'APIGroupDiscoveryList',
      apiVersion: `apidiscovery.k8s.io/${version}`,
      metadata: {},
      items,
    },
  };
}

function resourceList(g: { name: string; version: string; resources: ResourceType[] }): object {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: gv(g),
    resources: g.resources.map((r) => ({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: VERBS,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    })),
  };
}

function apiGroup(g: { name: string; version: string }): object {
  const v = { groupVersion: gv(g), version: g.version };
  return { name: g.name, versions: [v], preferredVersion: v };
}

/** The discovery document at `path`, or null when `path` is not a discovery path. */
export function discovery(
  path: string,
  accept: string | undefined,
  serverAddress: string,
): DiscoveryAnswer | null {
  const json = (body: object) => ({ contentType: 'application/json', body });
  const wanted = aggregatedVersion(accept);
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '/api') {
    if (wanted) return aggregated(true, wanted);
    return json({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    });
  }
  if (trimmed === '/apis') {
    if (wanted) return aggregated(false, wanted);
    return json({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups()
        .filter((g) => g.name !== '')
        .map(apiGroup),
    });
  }
  const all = groups();
  const core = /^\/api\/([^/]+)$/.exec(trimmed);
  if (core) {
    const g = all.find((x) => x.name === '' && x.version === core[1]);
    return g ? json(resourceList(g)) : null;
  }
  const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(trimmed);
  if (m) {
    const g = all.find((x) => x.name === m[1] && (m[2] === undefined || x.version === m[2]));
    if (!g) return null;
    return json(
      m[2] === undefined ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) } : resourceList(g),
    );
  }
  return null;
}
