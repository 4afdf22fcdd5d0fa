/**
 * The RBAC kubeha's discovery needs, once per cluster. The node authorizer
 * (plugin/pkg/auth/authorizer/node/node_authorizer.go) judges a kubelet's request
 * for endpoints or endpointslices by the static rules of the `system:node` role
 * (bootstrappolicy.NodeRules), which grant `get endpoints` and nothing on
 * endpointslices; the `system:node` ClusterRoleBinding has no subjects since
 * Kubernetes 1.8. So a kubelet's credentials may read the `default/kubernetes`
 * Endpoints object once, but not list or watch it, nor its EndpointSlice: this
 * grants exactly that, for the one object, in `default`, to group system:nodes.
 */
export const DISCOVERY_RBAC_NAME = 'kubeha:apiserver-endpoints-reader';
export const DISCOVERY_RBAC_FILE = 'cluster/kubeha-discovery-rbac.yml';

export function discoveryRbacObjects(): object[] {
  const meta = { name: DISCOVERY_RBAC_NAME, labels: { 'app.kubernetes.io/name': 'kubeha' } };
  const read = ['get', 'list', 'watch'];
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta,
      rules: [
        {
          apiGroups: ['discovery.k8s.io'],
          resources: ['endpointslices'],
          resourceNames: ['kubernetes'],
          verbs: read,
        },
        { apiGroups: [''], resources: ['endpoints'], resourceNames: ['kubernetes'], verbs: read },
      ],
    },
    {
      // a RoleBinding: the grant holds in namespace default only
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { ...meta, namespace: 'default' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: DISCOVERY_RBAC_NAME,
      },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:nodes' }],
    },
  ];
}

export function renderDiscoveryRbac(header: string, toYaml: (o: object) => string): string {
  return `# ${header}\n# kubectl apply -f kubeha-discovery-rbac.yml (once per cluster)\n${discoveryRbacObjects()
    .map(toYaml)
    .join('---\n')}`;
}
