import { isIP } from 'node:net';
import { KubehaError } from './errors.js';

/**
 * Brackets an IPv6 literal the way Ansible's `ipwrap` filter does, leaving IPv4
 * addresses and host names alone.
 */
export function ipwrap(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

export interface HostPort {
  host: string;
  port: number;
}

/**
 * `host:port`, `[v6]:port` → {host, port}. IPv6 must be bracketed when a port follows.
 * Port 0 is accepted only for an address to bind (`allowPortZero`): the kernel picks one.
 */
export function parseHostPort(
  text: string,
  defaultPort?: number,
  opts: { allowPortZero?: boolean } = {},
): HostPort {
  const bad = (why: string) =>
    new KubehaError('E_ADDRESS', `invalid address "${text}": ${why}`, {
      hint: 'use HOST:PORT, or [IPv6]:PORT',
    });
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) throw bad('missing "]"');
    host = text.slice(1, end);
    const rest = text.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) throw bad('expected ":" after "]"');
    portText = rest === '' ? undefined : rest.slice(1);
    if (isIP(host) !== 6) throw bad('not an IPv6 address inside brackets');
  } else {
    const colons = text.split(':').length - 1;
    if (colons > 1) {
      if (isIP(text) === 6 && defaultPort !== undefined) return { host: text, port: defaultPort };
      throw bad('IPv6 addresses need brackets');
    }
    const i = text.lastIndexOf(':');
    host = i < 0 ? text : text.slice(0, i);
    portText = i < 0 ? undefined : text.slice(i + 1);
  }
  if (host === '') throw bad('empty host');
  let port: number;
  if (portText === undefined) {
    if (defaultPort === undefined) throw bad('missing port');
    port = defaultPort;
  } else {
    if (!/^\d{1,5}$/.test(portText)) throw bad('port is not a number');
    port = Number(portText);
  }
  const least = opts.allowPortZero ? 0 : 1;
  if (port < least || port > 65535) throw bad(`port out of range ${least}-65535`);
  return { host, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return `${ipwrap(host)}:${port}`;
}

/** True for 127.0.0.0/8 and ::1: the only addresses kubeha's own tests may bind. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
