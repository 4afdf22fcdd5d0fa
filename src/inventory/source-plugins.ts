import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { KubehaError } from '../shared/errors.js';
import type { DiagnosticBag } from '../shared/diagnostics.js';
import { AnsibleFloat } from './ansible-float.js';
import { PyDate } from './ansible-scalars.js';
import { addHost } from './builder.js';
import { isMapping, isTruthy } from './python-truth.js';
import { splitHostPort } from './host-pattern.js';
import { parseIni } from './ini-parser.js';
import { warnDuplicateKeys } from './warnings.js';
import { loadAnsibleData, YamlLoadError, type LoadedData } from './yaml-load.js';
import { parseYamlInventory } from './yaml-inventory.js';
import type { AnsibleValue, Inventory } from './types.js';

/**
 * One inventory source, tried with Ansible's inventory plugins in their default
 * order (INVENTORY_ENABLED: host_list, script, auto, yaml, ini, toml) as
 * InventoryManager.parse_source does: the first plugin that parses the source
 * wins and the failures of the others are forgotten; a plugin that fails halfway
 * leaves what it added (Ansible's own "FIXME ... partial inventory").
 */
export interface PluginFailure {
  plugin: string;
  error: KubehaError;
}

export interface SourceResult {
  parsed: boolean;
  failures: PluginFailure[];
  /** The failure to report when the source must not fail silently (see primaryFailure). */
  primary?: KubehaError;
}

const YAML_EXTS = ['.yml', '.yaml', '.json'];

/** The host_list plugin: `-i 'host1,host2:2222'` when no such file exists. */
export function isHostList(source: string): boolean {
  return source.includes(',') && !existsSync(source);
}

export function parseHostList(inv: Inventory, source: string): void {
  for (const part of source.split(',')) {
    const h = part.trim();
    if (!h) continue;
    // parse_address(h, allow_ranges=False): a name it rejects is kept as written
    const { host, port } = h.includes('[') && !h.startsWith('[') ? { host: h } : splitHostPort(h);
    if (!inv.hosts.has(host)) addHost(inv, host, 'ungrouped', port);
  }
}

const readable = (path: string): boolean => {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
};

export function parseFileSource(
  inv: Inventory,
  abs: string,
  shown: string,
  diags: DiagnosticBag,
): SourceResult {
  const failures: PluginFailure[] = [];
  if (!readable(abs)) return { parsed: false, failures };
  const text = readFileSync(abs, 'utf8');
  const ext = extname(abs);
  const fail = (plugin: string, error: KubehaError) => failures.push({ plugin, error });
  const err = (message: string, line?: number, col?: number) =>
    new KubehaError('E_INVENTORY_SOURCE', message, { file: shown, line, col });

  // script: an executable file or one with a shebang would be run; kubeha runs nothing.
  if (text.startsWith('#!') || isExecutable(abs)) {
    fail('script', err('kubeha does not run inventory scripts'));
  }

  let loaded: LoadedData | YamlLoadError | undefined;
  const load = () => {
    if (loaded === undefined) {
      try {
        loaded = loadAnsibleData(text);
        // AnsibleConstructor warns while loading, whichever plugin loads the file.
        warnDuplicateKeys(diags, shown, loaded.duplicateKeys);
      } catch (e) {
        if (!(e instanceof YamlLoadError)) throw e;
        loaded = e;
      }
    }
    return loaded;
  };
  const yamlError = (e: YamlLoadError) => err(e.message, e.line, e.col);

  if (ext === '.yml' || ext === '.yaml') {
    const l = load();
    if (l instanceof YamlLoadError) fail('auto', yamlError(l));
    else if (isMapping(l.data) && isTruthy(l.data.plugin)) {
      // auto would hand the file to that plugin (constructed, a cloud inventory…)
      throw new KubehaError(
        'E_INVENTORY_PLUGIN',
        'this is an inventory plugin configuration, not a YAML inventory',
        {
          file: shown,
          line: l.keyLines.plugin ?? 1,
          hint: 'kubeha reads static INI and YAML inventories only',
        },
      );
    } else {
      fail(
        'auto',
        err(
          `no root 'plugin' key found, '${shown}' is not a valid YAML inventory plugin config file`,
        ),
      );
    }
  }

  if (ext === '' || YAML_EXTS.includes(ext)) {
    const l = load();
    if (l instanceof YamlLoadError) fail('yaml', yamlError(l));
    else if (!isTruthy(l.data)) fail('yaml', err('Parsed empty YAML file'));
    else if (!isMapping(l.data)) {
      fail(
        'yaml',
        err(
          `YAML inventory has invalid structure, it should be a dictionary, got: ${pyType(l.data!)}`,
          1,
          1,
        ),
      );
    } else if (isTruthy(l.data.plugin)) {
      fail('yaml', err('Plugin configuration YAML file, not YAML inventory', l.keyLines.plugin));
    } else {
      try {
        parseYamlInventory(inv, shown, l.data, l.keyLines, diags, l.pathLines);
        return { parsed: true, failures: [] };
      } catch (e) {
        if (!(e instanceof KubehaError)) throw e;
        fail('yaml', e);
      }
    }
  }

  try {
    parseIni(inv, shown, text, diags);
    return { parsed: true, failures: [] };
  } catch (e) {
    if (!(e instanceof KubehaError)) throw e;
    fail('ini', e);
  }
  if (ext === '.toml') fail('toml', err('kubeha does not read TOML inventories'));
  return { parsed: false, failures, primary: primaryFailure(failures, ext, loaded) };
}

/**
 * The failure that says what is wrong: for a YAML file the yaml plugin's (auto's
 * "no plugin key" and ini's reading of YAML as INI are noise), for a file without
 * extension the yaml plugin's when the text is a YAML mapping, else the ini one.
 */
function primaryFailure(
  failures: PluginFailure[],
  ext: string,
  loaded: LoadedData | YamlLoadError | undefined,
): KubehaError | undefined {
  const by = (p: string) => failures.find((f) => f.plugin === p)?.error;
  const looksYaml =
    YAML_EXTS.includes(ext) ||
    (loaded !== undefined && !(loaded instanceof YamlLoadError) && isMapping(loaded.data));
  return (looksYaml ? by('yaml') : undefined) ?? by('ini') ?? failures[0]?.error;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function pyType(v: AnsibleValue): string {
  let name = 'ansible.parsing.yaml.objects.AnsibleUnicode';
  if (Array.isArray(v)) name = 'ansible.parsing.yaml.objects.AnsibleSequence';
  else if (typeof v === 'boolean') name = 'bool';
  else if (typeof v === 'number') name = 'int';
  else if (v instanceof AnsibleFloat) name = 'float';
  else if (v instanceof PyDate) name = v.time ? 'datetime.datetime' : 'datetime.date';
  return `<class '${name}'>`;
}
