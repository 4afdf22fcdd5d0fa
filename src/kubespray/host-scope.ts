import {
  hostGroupNames,
  layeredHostVars,
  type AnsibleValue,
  type Inventory,
  type LayeredVars,
  type ResolvedVar,
  type VarOrigin,
} from '../inventory/index.js';
import { KubehaError } from '../shared/errors.js';
import { KUBEHA_DEFAULTS, KUBESPRAY_DEFAULTS, type DefaultContext } from './defaults.js';
import {
  isTemplated,
  renderTemplate,
  UndefinedInTemplate,
  UnsupportedTemplate,
  truthy,
} from './template.js';
import type { KubesprayEra } from './versions.js';

/**
 * The defaults that differ between modelled eras (src/kubespray/defaults.ts reads
 * ctx.era only for these). Templated inventory values are never inherited,
 * since they may refer to one of these.
 */
const ERA_DEPENDENT = new Set([
  'apiserver_loadbalancer_domain_name',
  'nginx_image_tag',
  'haproxy_image_tag',
]);

const SHARED = new WeakMap<object, Map<string, Map<string, ScopedValue | null>>>();
function sharedValues(base: object, era: string): Map<string, ScopedValue | null> {
  let perEra = SHARED.get(base);
  if (!perEra) SHARED.set(base, (perEra = new Map()));
  let m = perEra.get(era);
  if (!m) perEra.set(era, (m = new Map()));
  return m;
}

/** ScopedValue of an untemplated inventory value (null: it has a template), shared across eras. */
const PLAIN = new WeakMap<ResolvedVar, ScopedValue | null>();

function hasTemplate(v: AnsibleValue): boolean {
  if (isTemplated(v)) return true;
  if (Array.isArray(v)) return v.some(hasTemplate);
  if (v !== null && typeof v === 'object' && v.constructor === Object) {
    return Object.values(v).some(hasTemplate);
  }
  return false;
}

const GROUP_NAMES = new WeakMap<Inventory, Map<string, string[]>>();
function groupNamesOf(inv: Inventory, host: string): string[] {
  let perHost = GROUP_NAMES.get(inv);
  if (!perHost) GROUP_NAMES.set(inv, (perHost = new Map()));
  let names = perHost.get(host);
  if (!names) perHost.set(host, (names = hostGroupNames(inv, host)));
  return names;
}

/** Where a resolved value came from: an inventory file, a Kubespray default, or kubeha. */
export type ValueSource =
  { kind: 'inventory'; origin: VarOrigin } | { kind: 'default'; from: string } | { kind: 'magic' };

export interface ScopedValue {
  value: AnsibleValue;
  /** the value before templating, when it was a template */
  raw?: AnsibleValue;
  source: ValueSource;
}

/**
 * One host's variables as a Kubespray play sees them: inventory variables with
 * Ansible precedence, then Kubespray's role defaults, with `{{ }}` references
 * resolved lazily — a variable the planner never reads may hold any Jinja.
 */
export class HostScope {
  private readonly vars: LayeredVars;
  private readonly cache = new Map<string, ScopedValue | null>();
  private readonly resolving = new Set<string>();
  /** names whose value depends on this host's own variables (host layer, magic) */
  private readonly specific = new Set<string>();
  /** bumped whenever a host-specific value is read, to see what a computation read */
  private hostTouches = 0;
  /** values shared by every host with the same group layers, in this era */
  private readonly shared: Map<string, ScopedValue | null>;
  readonly groupNames: string[];

  constructor(
    readonly inventory: Inventory,
    readonly host: string,
    readonly era: KubesprayEra,
    /** the same host under another era: its era-independent values are reused */
    private readonly base?: HostScope,
  ) {
    this.vars = layeredHostVars(inventory, host);
    this.groupNames = groupNamesOf(inventory, host);
    this.shared = sharedValues(this.vars.base, era.id);
  }

  isDefined(name: string): boolean {
    return this.lookup(name) !== null;
  }

  get(name: string): AnsibleValue | undefined {
    return this.lookup(name)?.value;
  }

  /** The value with its source; null when undefined. */
  lookup(name: string): ScopedValue | null {
    const hit = this.cache.get(name);
    if (hit !== undefined) {
      if (this.specific.has(name)) this.hostTouches++;
      return hit;
    }
    const fromOwn = this.vars.own.has(name);
    // fast path: a plain inventory value is the same in every era and scope
    const v = this.vars.get(name);
    if (v) {
      let plain = PLAIN.get(v);
      if (plain === undefined) {
        plain = hasTemplate(v.value)
          ? null
          : { value: v.value, source: { kind: 'inventory', origin: v.origin } };
        PLAIN.set(v, plain);
      }
      if (plain) {
        if (fromOwn) {
          this.specific.add(name);
          this.hostTouches++;
        }
        this.cache.set(name, plain);
        return plain;
      }
    }
    // values that no era changes are taken from the base scope (see ERA_DEPENDENT)
    const inherited = this.base?.cache.get(name);
    if (inherited !== undefined && !ERA_DEPENDENT.has(name) && inherited?.raw === undefined) {
      if (this.base!.specific.has(name)) {
        this.specific.add(name);
        this.hostTouches++;
      }
      this.cache.set(name, inherited);
      return inherited;
    }
    // values that read nothing host-specific are shared by hosts with the same groups
    const shared = this.shared.get(name);
    if (shared !== undefined) {
      this.cache.set(name, shared);
      return shared;
    }
    if (this.resolving.has(name)) {
      throw this.templateError(name, `recursive loop: "${name}" refers to itself`);
    }
    this.resolving.add(name);
    const before = this.hostTouches;
    try {
      const result = this.compute(name);
      this.cache.set(name, result);
      if (fromOwn || this.hostTouches !== before || this.magic(name) !== undefined) {
        this.specific.add(name);
        this.hostTouches++;
      } else this.shared.set(name, result);
      return result;
    } finally {
      this.resolving.delete(name);
    }
  }

  /** Ansible's magic variables the planner's templates may use. */
  private magic(name: string): AnsibleValue | undefined {
    if (name === 'inventory_hostname') return this.host;
    if (name === 'inventory_hostname_short') return this.host.split('.')[0]!;
    if (name === 'group_names') return this.groupNames;
    return undefined;
  }

  private compute(name: string): ScopedValue | null {
    const own = this.vars.get(name);
    if (own) {
      const value = this.template(name, own.value, own.origin);
      return {
        value,
        raw: own.value === value ? undefined : own.value,
        source: { kind: 'inventory', origin: own.origin },
      };
    }
    const magic = this.magic(name);
    if (magic !== undefined) return { value: magic, source: { kind: 'magic' } };
    const def = KUBESPRAY_DEFAULTS[name];
    if (def === undefined) {
      const own = KUBEHA_DEFAULTS[name];
      if (own === undefined) return null;
      return {
        value: this.template(name, own, undefined),
        source: { kind: 'default', from: 'kubeha default' },
      };
    }
    const ctx: DefaultContext = {
      era: this.era,
      isDefined: (n) => this.isDefined(n),
      get: (n) => this.get(n),
    };
    const from = `Kubespray ${this.era.id} default`;
    if (typeof def === 'function') {
      const v = def(ctx);
      return v === undefined ? null : { value: v, source: { kind: 'default', from } };
    }
    return { value: this.template(name, def, undefined), source: { kind: 'default', from } };
  }

  private template(name: string, value: AnsibleValue, origin: VarOrigin | undefined): AnsibleValue {
    if (Array.isArray(value)) return value.map((v) => this.template(name, v, origin));
    if (value !== null && typeof value === 'object' && value.constructor === Object) {
      const out: Record<string, AnsibleValue> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.template(name, v, origin);
      return out;
    }
    if (!isTemplated(value)) return value;
    try {
      return renderTemplate(value, (n) => {
        const r = this.lookup(n);
        return r === null ? { defined: false } : { defined: true, value: r.value };
      });
    } catch (err) {
      if (err instanceof UnsupportedTemplate) {
        throw this.templateError(
          name,
          `${name}: "${value}" uses Jinja kubeha does not evaluate (${err.message})`,
          origin,
        );
      }
      if (err instanceof UndefinedInTemplate) {
        throw this.templateError(name, `${name}: "${value}" refers to ${err.message}`, origin);
      }
      throw err;
    }
  }

  private templateError(name: string, message: string, origin?: VarOrigin): KubehaError {
    const o = origin ?? this.vars.get(name)?.origin;
    return new KubehaError('E_TEMPLATE', `${message} (host ${this.host})`, {
      file: o && o.file !== '?' ? o.file : undefined,
      line: o?.line,
      hint: `set it to a plain value, or give it with -e '${name}=VALUE'`,
    });
  }

  truthy(name: string): boolean {
    return truthy(this.get(name) ?? null);
  }

  number(name: string): number | undefined {
    const v = this.get(name);
    if (v === undefined || v === null) return undefined;
    const n = typeof v === 'number' ? v : Number(String(v));
    if (!Number.isInteger(n)) {
      throw this.templateError(name, `${name}: "${String(v)}" is not a whole number`);
    }
    return n;
  }

  string(name: string): string | undefined {
    const v = this.get(name);
    return v === undefined || v === null ? undefined : String(v);
  }
}
