import { isIP } from 'node:net';
import type { HostScope } from './host-scope.js';

/**
 * main_ip / main_access_ip as roles/network_facts/tasks/main.yaml sets them
 * ("Set computed IPs variables", main at 46dbdd3; the same chain since v2.27):
 *
 *   fallback_ip  = ansible_default_ipv4.address | d('127.0.0.1')
 *   main_ip        = ip | default(fallback_ip)            (ip6 / fallback_ip6 '::1' when not ipv4_stack)
 *   main_access_ip = access_ip | default(main_ip)         (access_ip6 when not ipv4_stack)
 *
 * `ansible_default_ipv4` is a fact. With gathered facts (`--facts`) kubeha reads
 * it as Kubespray does; the role gathers only when ansible_default_ipv4 or
 * ansible_default_ipv6 is missing ("Gather node IPs"), so facts count only with
 * both. Without facts kubeha approximates the default IPv4 by `ansible_host`
 * (itself the inventory name when unset): an address of that family or a name,
 * which nginx and HAProxy resolve; an IPv6 `ansible_host` stands in for the
 * default IPv6. Kubespray's own no-facts fallback (127.0.0.1 / ::1) remains
 * where neither applies. Lint KH010 says which hosts were approximated.
 */
export type AddressSource =
  'ip' | 'access_ip' | 'ip6' | 'access_ip6' | 'facts' | 'ansible_host' | 'fallback';

export interface NetworkFacts {
  mainIp: string;
  mainAccessIp: string;
  mainIpSource: AddressSource;
  mainAccessIpSource: AddressSource;
  /** every address a dual-stack host is reached on (main_access_ips) */
  mainAccessIps: string[];
  /** the stand-in for ansible_default_ipv4/6, when kubeha had to guess one */
  assumedDefaultIp?: string;
  /** the fact file main_ip came from (source `facts`) */
  factsFile?: string;
  /**
   * ansible_default_ipv4.address and ansible_default_ipv6.address where known
   * (gathered, or an address ansible_host stands in for), for the certificate SANs
   */
  defaultAddresses: Array<string | undefined>;
  /** ansible_hostname and ansible_fqdn from gathered facts (else the inventory name stands in) */
  factNames: string[];
}

/** A host's gathered facts (src/inventory/fact-cache.ts), when there are any. */
export interface GatheredFacts {
  file: string;
  facts: Record<string, unknown>;
}

export function networkFacts(scope: HostScope, gathered?: GatheredFacts): NetworkFacts {
  const v4 = scope.truthy('ipv4_stack');
  const v6 = scope.truthy('ipv6_stack');
  const facts = gathered?.facts;
  const haveFacts =
    facts !== undefined && 'ansible_default_ipv4' in facts && 'ansible_default_ipv6' in facts;
  const ansibleHost = scope.string('ansible_host') ?? scope.host;
  const family = isIP(ansibleHost);

  const chain = (ipVar: 'ip' | 'ip6', accessVar: 'access_ip' | 'access_ip6') => {
    const four = ipVar === 'ip';
    const fallback = four ? '127.0.0.1' : '::1';
    let def: [string, AddressSource];
    if (haveFacts) {
      const address = factAddress(facts[four ? 'ansible_default_ipv4' : 'ansible_default_ipv6']);
      def = address !== undefined ? [address, 'facts'] : [fallback, 'fallback'];
    } else {
      const guess = four ? family !== 6 : family === 6;
      def = guess ? [ansibleHost, 'ansible_host'] : [fallback, 'fallback'];
    }
    const ip = scope.string(ipVar);
    const main: [string, AddressSource] = ip !== undefined ? [ip, ipVar] : def;
    const access = scope.string(accessVar);
    const acc: [string, AddressSource] = access !== undefined ? [access, accessVar] : main;
    const assumed = ip === undefined && !haveFacts ? def[0] : undefined;
    const known = def[1] === 'facts' || (def[1] === 'ansible_host' && family !== 0);
    return { main, acc, assumed, known: known ? def[0] : undefined };
  };
  const four = chain('ip', 'access_ip');
  const six = chain('ip6', 'access_ip6');
  const pick = v4 ? four : six;
  const mainAccessIps = [...(v4 ? [four.acc[0]] : []), ...(v6 ? [six.acc[0]] : [])];
  return {
    mainIp: pick.main[0],
    mainIpSource: pick.main[1],
    mainAccessIp: pick.acc[0],
    mainAccessIpSource: pick.acc[1],
    mainAccessIps,
    assumedDefaultIp: pick.assumed,
    factsFile: pick.main[1] === 'facts' ? gathered?.file : undefined,
    // [v4, v6]; a missing one is a hole, so the SAN list keeps Kubespray's order
    defaultAddresses: [four.known, six.known],
    factNames: haveFacts
      ? [facts.ansible_hostname, facts.ansible_fqdn].map((x) => (typeof x === 'string' ? x : ''))
      : [],
  };
}

/** `ansible_default_ipv4.address` as Jinja reads it: a string, else undefined (then `d()` applies). */
function factAddress(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const a = (v as Record<string, unknown>).address;
  return typeof a === 'string' ? a : undefined;
}
