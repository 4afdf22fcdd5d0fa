/**
 * Offline Kubernetes schema checks for rendered manifests. kubernetes-models
 * validates against the OpenAPI schemas (types, formats such as quantities,
 * required fields) but, like the API server without strict field validation,
 * lets unknown fields through; @kubernetes/client-node's generated models list
 * every field of every type, so a misspelt key is caught as well.
 */
import * as k8s from '@kubernetes/client-node';
import { Pod } from 'kubernetes-models/v1';
import { ClusterRole, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';

interface AttributeType {
  baseName: string;
  type: string;
}

type ModelClass = { getAttributeTypeMap(): AttributeType[] };

function model(name: string): ModelClass | undefined {
  const m = (k8s as unknown as Record<string, unknown>)[name];
  return typeof m === 'function' && 'getAttributeTypeMap' in m ? (m as ModelClass) : undefined;
}

/** Keys of `value` that the Kubernetes type `type` (e.g. V1Pod) does not have, as paths. */
export function unknownFields(value: unknown, type: string, path = ''): string[] {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    return Array.isArray(value)
      ? value.flatMap((v, i) => unknownFields(v, array[1]!, `${path}[${i}]`))
      : [];
  }
  const m = model(type);
  if (!m || value === null || typeof value !== 'object') return [];
  const attrs = new Map(m.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  const out: string[] = [];
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const t = attrs.get(key);
    if (t === undefined) out.push(`${path}.${key}`);
    else out.push(...unknownFields(v, t, `${path}.${key}`));
  }
  return out;
}

/** Throws with the schema's message when the pod is not a valid v1 Pod. */
export function validatePod(pod: unknown): void {
  const unknown = unknownFields(pod, 'V1Pod');
  if (unknown.length > 0) throw new Error(`unknown fields: ${unknown.join(', ')}`);
  new Pod(pod as ConstructorParameters<typeof Pod>[0]).validate();
}

/** Throws unless every document is a valid ClusterRole or RoleBinding (rbac.authorization.k8s.io/v1). */
export function validateRbac(docs: unknown[]): void {
  for (const doc of docs) {
    const kind = (doc as { kind?: string }).kind;
    const type =
      kind === 'ClusterRole'
        ? 'V1ClusterRole'
        : kind === 'RoleBinding'
          ? 'V1RoleBinding'
          : undefined;
    if (!type) throw new Error(`unexpected kind ${kind}`);
    const unknown = unknownFields(doc, type);
    if (unknown.length > 0) throw new Error(`unknown fields: ${unknown.join(', ')}`);
    if (kind === 'ClusterRole')
      new ClusterRole(doc as ConstructorParameters<typeof ClusterRole>[0]).validate();
    else new RoleBinding(doc as ConstructorParameters<typeof RoleBinding>[0]).validate();
  }
}
