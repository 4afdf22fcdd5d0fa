import { execFile, spawn, type ChildProcess } from 'node:child_process';

/**
 * Reading YAML back with PyYAML, as Ansible does (CSafeLoader when PyYAML has
 * libyaml, like Ansible's own loader), and comparing data with Python's types kept
 * apart (`True` is not `1`, `1` is not `1.0`, a date is not a string). python3 with
 * PyYAML comes with Ansible; without it the tests that need it skip.
 */
let python: Promise<string | undefined> | undefined;

export function pyyamlPython(): Promise<string | undefined> {
  python ??= (async () => {
    for (const candidate of ['python3', '/usr/bin/python3']) {
      const ok = await runPython(candidate, 'import yaml', '').then(
        () => true,
        () => false,
      );
      if (ok) return candidate;
    }
    return undefined;
  })();
  return python;
}

function runPython(exe: string, code: string, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      exe,
      ['-c', code],
      { maxBuffer: 256 * 1024 * 1024, timeout: 300_000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    );
    child.stdin!.end(input);
  });
}

/** Two YAML texts that must load to the same data. */
export interface SameYaml {
  kind: 'yaml';
  a: string;
  b: string;
}

/**
 * `--list -y` (the nested inventory format) against `--list` JSON: loaded by PyYAML
 * and turned back into groups, members and host variables, it must equal the JSON
 * — dates as isoformat(), keys as json.dumps writes them.
 */
export interface NestedAgainstList {
  kind: 'nested';
  yaml: string;
  json: string;
}

/** A YAML text (`--host -y`) against the JSON of the same output (`--host`). */
export interface YamlAgainstJson {
  kind: 'json';
  yaml: string;
  json: string;
}

const COMPARE = String.raw`
import datetime, json, math, sys, yaml
Loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
# Ansible's !vault, as --list JSON writes it
Loader.add_constructor('!vault', lambda loader, node: {'__ansible_vault': loader.construct_scalar(node)})

def same(a, b, path='$'):
    if type(a) is not type(b):
        return '%s: %s %r vs %s %r' % (path, type(a).__name__, a, type(b).__name__, b)
    if isinstance(a, dict):
        ka = {(type(k).__name__, k) for k in a}
        kb = {(type(k).__name__, k) for k in b}
        if ka != kb:
            return '%s: keys %r vs %r' % (path, sorted(map(repr, ka ^ kb)), '')
        for k in a:
            d = same(a[k], b[k], '%s.%s' % (path, k))
            if d: return d
        return ''
    if isinstance(a, list):
        if len(a) != len(b):
            return '%s: %d items vs %d' % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = same(x, y, '%s[%d]' % (path, i))
            if d: return d
        return ''
    if isinstance(a, float) and math.isnan(a) and math.isnan(b):
        return ''
    return '' if a == b else '%s: %r vs %r' % (path, a, b)

def plain_unsafe(v):
    # --list JSON marks !unsafe strings, -y writes them plain
    if isinstance(v, dict):
        if list(v) == ['__ansible_unsafe']: return v['__ansible_unsafe']
        return {k: plain_unsafe(x) for k, x in v.items()}
    if isinstance(v, list): return [plain_unsafe(x) for x in v]
    return v

def as_json(v):
    def default(o):
        if isinstance(o, (datetime.date, datetime.datetime)):
            return o.isoformat()
        raise TypeError(repr(o))
    return json.loads(json.dumps(v, default=default))

def flatten(nested):
    groups, hostvars = {}, {}
    def walk(name, body):
        g = groups.setdefault(name, {'hosts': [], 'children': []})
        body = body or {}
        for child, sub in (body.get('children') or {}).items():
            if child not in g['children']: g['children'].append(child)
            walk(child, sub)
        for host, hv in (body.get('hosts') or {}).items():
            if host not in g['hosts']: g['hosts'].append(host)
            if hv: hostvars[host] = hv
    for name, body in nested.items(): walk(name, body)
    return groups, hostvars

def nested_vs_list(ytext, jtext):
    groups, hostvars = flatten(yaml.load(ytext, Loader=Loader))
    listed = json.loads(jtext)
    meta = listed.pop('_meta')['hostvars']
    for name, entry in listed.items():
        g = groups.get(name, {'hosts': [], 'children': []})
        for part in ('hosts', 'children'):
            if sorted(entry.get(part, [])) != sorted(g[part]):
                return 'group %s: %s %r vs %r' % (name, part, entry.get(part), g[part])
    for name, g in groups.items():
        if (g['hosts'] or g['children']) and name not in listed:
            return 'group %s only in the YAML' % name
    return same(as_json(hostvars), plain_unsafe(meta), '_meta.hostvars')

def run(tasks):
    out = []
    for task in tasks:
        try:
            if task['kind'] == 'yaml':
                out.append(same(yaml.load(task['a'], Loader=Loader), yaml.load(task['b'], Loader=Loader)))
            elif task['kind'] == 'json':
                out.append(same(as_json(yaml.load(task['yaml'], Loader=Loader)), plain_unsafe(json.loads(task['json']))))
            else:
                out.append(nested_vs_list(task['yaml'], task['json']))
        except Exception as e:
            out.append('%s: %s' % (type(e).__name__, e))
    return out

# one JSON list of tasks per line in, one JSON list of answers per line out
for line in sys.stdin:
    sys.stdout.write(json.dumps(run(json.loads(line))) + '\n')
    sys.stdout.flush()
`;

type Task = SameYaml | NestedAgainstList | YamlAgainstJson;

/**
 * One Python process answers every comparison of a test file (starting Python
 * for each of a property's runs would cost more than the runs).
 */
class Session {
  private readonly child: ChildProcess;
  private buffered = '';
  private readonly waiting: ((line: string) => void)[] = [];

  constructor(exe: string) {
    this.child = spawn(exe, ['-u', '-c', COMPARE], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => {
      this.buffered += chunk;
      let nl: number;
      while ((nl = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        this.waiting.shift()?.(line);
      }
    });
    // held only while a question is open, so that the test process can end
    this.hold(false);
    (this.child.stdin as unknown as { unref?: () => void }).unref?.();
  }

  private hold(on: boolean): void {
    const out = this.child.stdout as unknown as { ref?: () => void; unref?: () => void };
    if (on) {
      this.child.ref();
      out.ref?.();
    } else {
      this.child.unref();
      out.unref?.();
    }
  }

  ask(tasks: Task[]): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`python exited (${code})`));
      this.child.once('exit', onExit);
      this.hold(true);
      this.waiting.push((line) => {
        this.child.off('exit', onExit);
        if (this.waiting.length === 0) this.hold(false);
        resolve(JSON.parse(line) as string[]);
      });
      this.child.stdin!.write(`${JSON.stringify(tasks)}\n`);
    });
  }
}

let session: Session | undefined;

/** For each task, '' when the data are the same, else where they differ. */
export async function compareWithPyYaml(tasks: Task[]): Promise<string[]> {
  const exe = await pyyamlPython();
  if (!exe) throw new Error('no python3 with PyYAML');
  session ??= new Session(exe);
  return session.ask(tasks);
}
