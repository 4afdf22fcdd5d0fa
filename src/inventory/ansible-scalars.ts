/**
 * Scalar values that Ansible keeps apart from plain strings, each a small class so
 * that every output (JSON, YAML, `--graph --vars`) can write it as Ansible does:
 *
 * - `PyDate`: a YAML 1.1 timestamp, which PyYAML turns into `datetime.date` or
 *   `datetime.datetime` (yaml/constructor.py construct_yaml_timestamp). JSON writes
 *   `isoformat()`, PyYAML writes it back unquoted, `--graph --vars` writes `str()`.
 * - `AnsibleUnsafe`: a `!unsafe` string. `--list` JSON writes `{"__ansible_unsafe": …}`
 *   (AnsibleJSONEncoder with preprocess_unsafe), YAML writes the plain string.
 * - `AnsibleVault`: a `!vault` string. JSON writes `{"__ansible_vault": ciphertext}`,
 *   YAML writes `!vault |` and the ciphertext.
 */
export class PyDate {
  constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
    /** present for a datetime */
    readonly time?: {
      hour: number;
      minute: number;
      second: number;
      micro: number;
      /** UTC offset in minutes; undefined for a naive datetime */
      tz?: number;
    },
  ) {}

  /** `date.isoformat()` / `datetime.isoformat(sep)`. */
  isoformat(sep = 'T'): string {
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    const date = `${p(this.year, 4)}-${p(this.month)}-${p(this.day)}`;
    const t = this.time;
    if (!t) return date;
    let out = `${date}${sep}${p(t.hour)}:${p(t.minute)}:${p(t.second)}`;
    if (t.micro) out += `.${p(t.micro, 6)}`;
    if (t.tz !== undefined) {
      const a = Math.abs(t.tz);
      out += `${t.tz < 0 ? '-' : '+'}${p(Math.floor(a / 60))}:${p(a % 60)}`;
    }
    return out;
  }

  /** Python's `str()`: datetimes use a space between date and time. */
  toString(): string {
    return this.isoformat(' ');
  }

  /** Python's `repr()`, as it appears inside a list or dict in `--graph --vars`. */
  repr(): string {
    const t = this.time;
    if (!t) return `datetime.date(${this.year}, ${this.month}, ${this.day})`;
    const parts = [this.year, this.month, this.day, t.hour, t.minute, t.second, t.micro];
    // datetime.__repr__ drops a zero microsecond, then a zero second
    if (parts[6] === 0) parts.pop();
    if (parts.length === 6 && parts[5] === 0) parts.pop();
    let out = `datetime.datetime(${parts.join(', ')}`;
    if (t.tz !== undefined) out += `, tzinfo=${timezoneRepr(t.tz)}`;
    return `${out})`;
  }

  /** Which values Python can order against each other (`<` raises TypeError across kinds). */
  get kind(): 'date' | 'naive' | 'aware' {
    if (!this.time) return 'date';
    return this.time.tz === undefined ? 'naive' : 'aware';
  }

  /** A number that orders values of the same kind as Python does. */
  sortValue(): number {
    const t = this.time ?? { hour: 0, minute: 0, second: 0, micro: 0 };
    const ms = Date.UTC(this.year, this.month - 1, this.day, t.hour, t.minute, t.second);
    const utc = ms - ((t as { tz?: number }).tz ?? 0) * 60_000;
    return utc * 1000 + t.micro;
  }

  /**
   * PyYAML's construct_yaml_timestamp for text its timestamp resolver matched.
   * Throws RangeError with Python's message for an impossible date.
   */
  static fromYaml(text: string): PyDate {
    const m =
      /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$/.exec(
        text,
      );
    if (!m) throw new RangeError(`not a timestamp: ${text}`);
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    checkRange('year', y, 1, 9999);
    checkRange('month', mo, 1, 12);
    const days = [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
    if (d < 1 || d > days) throw new RangeError('day is out of range for month');
    if (m[4] === undefined) return new PyDate(y, mo, d);
    const [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6])];
    checkRange('hour', h, 0, 23);
    checkRange('minute', mi, 0, 59);
    checkRange('second', s, 0, 59);
    const micro = Number((m[7] ?? '').slice(0, 6).padEnd(6, '0'));
    let tz: number | undefined;
    if (m[8] === 'Z') tz = 0;
    else if (m[9]) {
      tz = (Number(m[10]) * 60 + Number(m[11] ?? 0)) * (m[9] === '-' ? -1 : 1);
      if (Math.abs(tz) >= 24 * 60) {
        throw new RangeError(
          'offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24)',
        );
      }
    }
    return new PyDate(y, mo, d, { hour: h, minute: mi, second: s, micro, tz });
  }

  /** The inverse of isoformat('T'), for dates used as mapping keys (see py-key.ts). */
  static fromIso(text: string): PyDate {
    return PyDate.fromYaml(text);
  }
}

function leap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function checkRange(what: string, v: number, lo: number, hi: number): void {
  if (v < lo || v > hi) {
    throw new RangeError(
      what === 'year' ? `year ${v} is out of range` : `${what} must be in ${lo}..${hi}`,
    );
  }
}

/** repr(datetime.timezone(timedelta(minutes=tz))); a zero offset is the utc singleton. */
function timezoneRepr(tz: number): string {
  if (tz === 0) return 'datetime.timezone.utc';
  const secs = tz * 60;
  const days = Math.floor(secs / 86400);
  const rest = secs - days * 86400;
  const args = [days ? `days=${days}` : '', rest ? `seconds=${rest}` : ''].filter(Boolean);
  return `datetime.timezone(datetime.timedelta(${args.join(', ')}))`;
}

/** A `!unsafe` string: never templated; JSON marks it, YAML and `str()` show the text. */
export class AnsibleUnsafe {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }
}

/** A `!vault` string, kept encrypted: kubeha has no vault password and never decrypts. */
export class AnsibleVault {
  constructor(readonly ciphertext: string) {}
}

/**
 * A Python tuple, which only INI values (`(1, 2)` through literal_eval) produce.
 * It is a list everywhere but in `--graph --vars`, where repr() writes `(1, 2)`.
 */
export class PyTuple<T = unknown> extends Array<T> {}
