/**
 * Host patterns in inventory files: an optional `:port` suffix and `[a:b(:step)]`
 * ranges, as Ansible's parse_address (parsing/utils/addresses.py) and
 * expand_hostname_range (plugins/inventory/__init__.py) read them.
 */
export class HostPatternError extends Error {}

const numericRange = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const hexRange = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const alnumRange = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const v6 = `(?:[0-9a-f]{1,4}|${hexRange})`;
const v4 = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${numericRange})`;
const label = String.raw`(?:[\p{L}\p{N}_]|${alnumRange})(?:[\p{L}\p{N}_-]|${alnumRange})*(?<![_-])`;

const PATTERNS = {
  bracketedHostport: /^\[(.+)\]:([0-9]+)$/,
  hostport: /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/,
  ipv4: new RegExp(`^(?:${v4}\\.){3}${v4}$`, 'i'),
  ipv6: new RegExp(
    '^(?:' +
      [
        `(?:${v6}:){7}${v6}`,
        `(?:${v6}:){1,6}:`,
        `(?:${v6}:)(?::${v6}){1,6}`,
        `(?:${v6}:){2}(?::${v6}){1,5}`,
        `(?:${v6}:){3}(?::${v6}){1,4}`,
        `(?:${v6}:){4}(?::${v6}){1,3}`,
        `(?:${v6}:){5}(?::${v6}){1,2}`,
        `(?:${v6}:){6}(?::${v6})`,
        `:(?::${v6}){1,6}`,
        `${v6}?::`,
        `(?:0:){6}(?:${v6}\\.){3}${v6}`,
        `::(?:ffff:)?(?:${v6}\\.){3}${v6}`,
        `(?:0:){5}ffff:(?:${v6}\\.){3}${v6}`,
      ].join('|') +
      ')$',
    'i',
  ),
  hostname: new RegExp(`^${label}(?:\\.${label})*$`, 'iu'),
};

/**
 * Splits `host:port` / `[v6]:port`. Like Ansible, a pattern that is not a valid
 * address is kept whole with no port rather than rejected.
 */
export function splitHostPort(pattern: string): { host: string; port?: number } {
  let address = pattern;
  let port: number | undefined;
  for (const re of [PATTERNS.bracketedHostport, PATTERNS.hostport]) {
    const m = re.exec(address);
    if (m) {
      address = m[1]!;
      port = Number(m[2]);
    }
  }
  const valid =
    PATTERNS.ipv4.test(address) || PATTERNS.ipv6.test(address) || PATTERNS.hostname.test(address);
  if (!valid) return { host: pattern };
  return port === undefined ? { host: address } : { host: address, port };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Expands the first `[x:y(:step)]` range and recurses for the rest. */
export function expandHostRange(pattern: string): string[] {
  if (!pattern.includes('[')) return [pattern];
  const open = pattern.indexOf('[');
  const close = pattern.indexOf(']');
  // Ansible swaps the first "[" and first "]" for "|" and splits into exactly three parts.
  const marked = pattern.replace('[', '|').replace(']', '|');
  const parts = marked.split('|');
  if (close < 0 || parts.length !== 3) {
    throw new HostPatternError(`invalid host range in "${pattern}"`);
  }
  const head = pattern.slice(0, open);
  const nrange = pattern.slice(open + 1, close);
  const tail = pattern.slice(close + 1);
  const bounds = nrange.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) {
    throw new HostPatternError('host range must be begin:end or begin:end:step');
  }
  const beg = bounds[0] === '' ? '0' : bounds[0]!;
  const end = bounds[1]!;
  const stepText = bounds.length === 3 ? bounds[2]! : '1';
  if (end === '') throw new HostPatternError('host range must specify end value');
  let fill = (x: string | number): string => String(x);
  if (beg[0] === '0' && beg.length > 1) {
    if (beg.length !== end.length) {
      throw new HostPatternError('host range must specify equal-length begin and end formats');
    }
    fill = (x) => String(x).padStart(beg.length, '0');
  }
  const step = pythonInt(stepText);
  let seq: (string | number)[];
  const iBeg = LETTERS.indexOf(beg);
  const iEnd = LETTERS.indexOf(end);
  if (iBeg >= 0 && iEnd >= 0 && step > 0) {
    if (iBeg > iEnd) throw new HostPatternError('host range must have begin <= end');
    seq = [];
    for (let i = iBeg; i <= iEnd; i += step) seq.push(LETTERS[i]!);
  } else {
    const b = pythonInt(beg);
    const e = pythonInt(end);
    if (step === 0) throw new HostPatternError('host range step must not be zero');
    seq = [];
    const limit = 1_000_000;
    if (step > 0) for (let i = b; i < e + 1; i += step) seq.push(i);
    else for (let i = b; i > e + 1; i += step) seq.push(i);
    if (seq.length > limit) throw new HostPatternError('host range expands to too many hosts');
  }
  return seq.flatMap((x) => expandHostRange(`${head}${fill(x)}${tail}`));
}

function pythonInt(text: string): number {
  const t = text.trim().replace(/(?<=\d)_(?=\d)/g, '');
  if (!/^[-+]?\d+$/.test(t)) throw new HostPatternError(`invalid literal for int(): '${text}'`);
  return parseInt(t, 10);
}

/** A host pattern from an inventory line → host names and an optional port. */
export function expandHostPattern(pattern: string): { hosts: string[]; port?: number } {
  // Without ':' there is no port and without '[' no range: the name stands as written.
  if (!pattern.includes(':') && !pattern.includes('[')) return { hosts: [pattern] };
  const { host, port } = splitHostPort(pattern);
  const hosts = host.includes('[') ? expandHostRange(host) : [host];
  return port === undefined ? { hosts } : { hosts, port };
}
