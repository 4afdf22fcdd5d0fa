/**
 * Content negotiation as kube-apiserver reads an Accept header: the first media
 * range with `as=KIND;g=GROUP` and one of the versions wins (`application/json;
 * as=Table;v=v1;g=meta.k8s.io` for kubectl's tables, `as=APIGroupDiscoveryList;
 * v=v2;g=apidiscovery.k8s.io` for aggregated discovery).
 */
export function acceptedVersion<V extends string>(
  accept: string | undefined,
  as: string,
  group: string,
  versions: readonly V[],
): V | null {
  for (const range of (accept ?? '').split(',')) {
    const params = range.split(';').map((p) => p.trim());
    if (!params.includes(`as=${as}`) || !params.includes(`g=${group}`)) continue;
    const v = versions.find((x) => params.includes(`v=${x}`));
    if (v) return v;
  }
  return null;
}
