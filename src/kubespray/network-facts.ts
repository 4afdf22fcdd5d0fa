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
 * `ansible_default_ipv4` is a fact gathered at run time. Before deployment kubeha
 * stands in `ansible_host` (itself the inventory name when unset) when it is an
 * address of the right family, else Kubespray's own no-facts fallback, and says so.
 */
export type AddressSource = 'ip' | 'access_ip' | 'ip6' | 'access_ip6' | 'ansible_host' | 'fallback';

export interface NetworkFacts {
  mainIp: string;
  mainAccessIp: string;
  mainIpSource: AddressSource;
  mainAccessIpSource: AddressSource;
  /** every address a dual-stack host is reached on (main_access_ips) */
  mainAccessIps: string[];
  /** the stand-in for ansible_default_ipv4/6, when kubeha had to guess one */
  assumedDefaultIp?: string;
}

export function networkFacts(scope: HostScope): NetworkFacts {
  const v4 = scope.truthy('ipv4_stack');
  const v6 = scope.truthy('ipv6_stack');
  const ansibleHost = scope.string('ansible_host') ?? scope.host;
  const guess4 = isIP(ansibleHost) === 4 ? ansibleHost : undefined;
  const guess6 = isIP(ansibleHost) === 6 ? ansibleHost : undefined;

  const chain = (ipVar: 'ip' | 'ip6', accessVar: 'access_ip' | 'access_ip6') => {
    const guess = ipVar === 'ip' ? guess4 : guess6;
    const fallback = ipVar === 'ip' ? '127.0.0.1' : '::1';
    const ip = scope.string(ipVar);
    const main: [string, AddressSource] =
      ip !== undefined
        ? [ip, ipVar]
        : guess !== undefined
          ? [guess, 'ansible_host']
          : [fallback, 'fallback'];
    const access = scope.string(accessVar);
    const acc: [string, AddressSource] = access !== undefined ? [access, accessVar] : main;
    return { main, acc, assumed: ip === undefined ? (guess ?? fallback) : undefined };
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
  };
}
