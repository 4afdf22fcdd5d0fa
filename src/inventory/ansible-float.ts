/**
 * A Python float. JavaScript has one number type, but Ansible keeps `1.0` (float)
 * apart from `1` (int), and `ansible-inventory --list` prints them differently.
 * Integers stay plain numbers; every float from YAML, JSON or an INI literal is
 * wrapped so the type survives to the output.
 */
export class AnsibleFloat {
  constructor(readonly value: number) {}

  valueOf(): number {
    return this.value;
  }

  /** Python's `repr(float)`, which is what `json.dumps` writes. */
  toString(): string {
    return pythonFloatRepr(this.value);
  }
}

export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without digits gives the shortest round-trip digits, as repr does.
  const [mant, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let out: string;
  if (exp >= -5 + 1 && exp < 16) {
    // repr switches to exponent form when exp < -4 or exp >= 16
    if (exp >= 0) {
      const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      const frac = digits.slice(exp + 1);
      out = `${intPart}.${frac === '' ? '0' : frac}`;
    } else {
      out = `0.${'0'.repeat(-exp - 1)}${digits}`;
    }
  } else {
    const frac = digits.slice(1);
    const e = Math.abs(exp).toString().padStart(2, '0');
    out = `${digits[0]}${frac ? `.${frac}` : ''}e${exp < 0 ? '-' : '+'}${e}`;
  }
  return neg ? `-${out}` : out;
}
