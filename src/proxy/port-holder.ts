/**
 * Who holds a listening TCP port, read from /proc the way `ss -ltnp` does: the
 * socket's inode from /proc/net/tcp{,6}, then the process whose fd links to
 * `socket:[inode]`. Used only to say what a waiting listener waits for (nginx-proxy
 * still on 127.0.0.1:6443 during a takeover). In a container without the host's PID
 * namespace the holder is not visible, and the answer says so.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { isIPv6 } from 'node:net';

export interface PortHolder {
  pid: number;
  command: string;
}

export interface ListeningSocket {
  host: string;
  port: number;
  inode: string;
}

/** Listening sockets (state 0A) of a /proc/net/tcp or tcp6 table. */
export function parseTcpTable(text: string): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== '0A') continue;
    const [hexHost, hexPort] = f[1]!.split(':') as [string, string];
    out.push({ host: decodeHost(hexHost), port: parseInt(hexPort, 16), inode: f[9]! });
  }
  return out;
}

/** The kernel prints addresses as 32-bit words in host (little-endian) byte order. */
function decodeHost(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  const v6 = groups.join(':');
  // ::ffff:a.b.c.d and :: print as the kernel means them
  if (v6 === '0:0:0:0:0:0:0:0') return '::';
  if (v6.startsWith('0:0:0:0:0:ffff:')) return `::ffff:${bytes.slice(12).join('.')}`;
  return v6;
}

/** True when a listener on `sock` keeps `host:port` from being bound. */
function blocks(sock: ListeningSocket, host: string, port: number): boolean {
  if (sock.port !== port) return false;
  return sock.host === host || sock.host === '0.0.0.0' || sock.host === '::';
}

/** The process listening where `host:port` wants to bind, if /proc shows it. */
export function findPortHolder(host: string, port: number, proc = '/proc'): PortHolder | undefined {
  const tables = isIPv6(host) ? ['tcp6'] : ['tcp', 'tcp6'];
  const inodes = new Set<string>();
  for (const t of tables) {
    let text = '';
    try {
      text = readFileSync(`${proc}/net/${t}`, 'utf8');
    } catch {
      continue;
    }
    for (const s of parseTcpTable(text))
      if (blocks(s, host, port)) inodes.add(`socket:[${s.inode}]`);
  }
  if (inodes.size === 0) return undefined;
  for (const pid of readdirSync(proc)) {
    if (!/^\d+$/.test(pid)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`${proc}/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`${proc}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (!inodes.has(target)) continue;
      let command = '?';
      try {
        command = readFileSync(`${proc}/${pid}/comm`, 'utf8').trim();
      } catch {
        /* exited meanwhile */
      }
      return { pid: Number(pid), command };
    }
  }
  return undefined;
}

export function describeHolder(h: PortHolder | undefined): string {
  return h
    ? `held by pid ${h.pid} (${h.command})`
    : 'held by a process not visible here (another PID namespace, or another user)';
}
