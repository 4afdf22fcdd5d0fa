/**
 * What Kubernetes clients (kubelet, kube-proxy, controllers, kubectl: all
 * client-go) do on their side of a connection. These are Kubernetes facts the
 * model takes as inputs (see /docs/simulate.md, "Client facts"), not answers.
 */

/**
 * A connection that goes silent (its server's host is gone, packets dropped) is
 * noticed by client-go's HTTP/2 health check: ReadIdleTimeout 30 s, then a ping
 * that times out after PingTimeout 15 s (kubernetes/kubernetes#121793). A server
 * that still answers pings (alive but unready) is never noticed this way.
 */
export const CLIENT_SILENT_DETECT_MS = 45_000;

/**
 * A new connection whose TLS handshake gets no answer is abandoned after
 * client-go's TLSHandshakeTimeout of 10 s (k8s.io/apimachinery/pkg/util/net,
 * SetTransportDefaults); the client then dials again.
 */
export const CLIENT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** After a failed dial the client tries again; client-go's watch backoff starts at 800 ms. */
export const CLIENT_RETRY_MS = 800;

/** How far the simulation looks ahead: a client still stuck after this is stuck for good. */
export const HORIZON_MS = 15 * 60_000;
