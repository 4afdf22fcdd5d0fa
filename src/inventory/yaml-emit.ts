/**
 * The YAML emitter ansible-inventory ends up in: Ansible dumps with
 * `yaml.CSafeDumper` whenever PyYAML has libyaml (module_utils/common/yaml.py), so
 * the rules are libyaml's src/emitter.c (0.2.5), not PyYAML's pure-Python emitter —
 * they differ in which characters force double quotes (libyaml: anything outside
 * the BMP, NEL, tabs…), in where long lines fold and in what makes a simple key.
 *
 * Only what `yaml.dump(..., default_flow_style=False, allow_unicode=True)` of
 * inventory data needs is here: block mappings and sequences, `{}`/`[]` for empty
 * ones, anchors and aliases, and plain, single-quoted, double-quoted and literal
 * (`!vault |`) scalars. Scalars are handled as code points.
 */
import {
  analyze,
  ESCAPES,
  isBreak,
  isPrintable,
  utf8Length,
  type Analysis,
  type YNode,
  type YScalar,
} from './yaml-scalar-analysis.js';

export type { YNode, YScalar };

const BEST_WIDTH = 80;
const BEST_INDENT = 2;

type Style = 'plain' | 'single' | 'double' | 'literal';

export class Emitter {
  private readonly out: string[] = [];
  private indent = -1;
  private readonly indents: number[] = [];
  private column = 0;
  private whitespace = true;
  private indention = true;
  private openEnded = 0;
  private mappingContext = false;
  private simpleKeyContext = false;
  private readonly written = new Set<YNode>();

  constructor(private readonly anchors: Map<YNode, string>) {}

  document(root: YNode): string {
    this.node(root, false, false);
    this.writeIndent(); // yaml_emitter_emit_document_end
    if (this.openEnded === 2) {
      this.writeIndicator('...', true, false, false);
      this.writeIndent();
    }
    return this.out.join('');
  }

  private node(n: YNode, mapping: boolean, simpleKey: boolean): void {
    this.mappingContext = mapping;
    this.simpleKeyContext = simpleKey;
    const anchor = this.anchors.get(n);
    if (anchor !== undefined && this.written.has(n)) {
      this.writeIndicator('*', true, false, false);
      this.writeAnchor(anchor);
      if (this.simpleKeyContext) this.put(' ');
      return;
    }
    this.written.add(n);
    if (n.kind === 'scalar') {
      const t = Array.from(n.value);
      const style = this.selectStyle(n, t, analyze(t));
      this.processAnchor(anchor);
      const writeTag = !n.plainImplicit && !n.quotedImplicit;
      if (writeTag && n.tag) this.writeTagHandle(n.tag);
      this.increaseIndent(true, false);
      const split = !this.simpleKeyContext;
      if (style === 'plain') this.writePlain(t, split);
      else if (style === 'single') this.writeSingleQuoted(t, split);
      else if (style === 'double') this.writeDoubleQuoted(t, split);
      else this.writeLiteral(t);
      this.indent = this.indents.pop()!;
      return;
    }
    this.processAnchor(anchor);
    const empty = n.kind === 'seq' ? n.items.length === 0 : n.pairs.length === 0;
    if (empty) {
      this.writeIndicator(n.kind === 'seq' ? '[' : '{', true, true, false);
      this.writeIndicator(n.kind === 'seq' ? ']' : '}', false, false, false);
    } else if (n.kind === 'seq') {
      this.increaseIndent(false, this.mappingContext && !this.indention);
      for (const item of n.items) {
        this.writeIndent();
        this.writeIndicator('-', true, false, true);
        this.node(item, false, false);
      }
      this.indent = this.indents.pop()!;
    } else {
      this.increaseIndent(false, false);
      for (const [k, v] of n.pairs) {
        this.writeIndent();
        if (this.isSimpleKey(k)) {
          this.node(k, true, true);
          this.writeIndicator(':', false, false, false);
        } else {
          this.writeIndicator('?', true, false, true);
          this.node(k, true, false);
          this.writeIndent();
          this.writeIndicator(':', true, false, true);
        }
        this.node(v, true, false);
      }
      this.indent = this.indents.pop()!;
    }
  }

  /** yaml_emitter_check_simple_key: no line break, anchor + tag + UTF-8 bytes ≤ 128. */
  private isSimpleKey(k: YNode): boolean {
    const anchor = this.anchors.get(k);
    let length = anchor?.length ?? 0;
    if (anchor !== undefined && this.written.has(k)) return length <= 128;
    if (k.kind === 'scalar') {
      const t = Array.from(k.value);
      if (analyze(t).multiline) return false;
      if (!k.plainImplicit && !k.quotedImplicit) length += k.tag?.length ?? 0;
      length += utf8Length(t);
    } else if (k.kind === 'seq' ? k.items.length : k.pairs.length) {
      return false;
    }
    return length <= 128;
  }

  /** yaml_emitter_select_scalar_style. */
  private selectStyle(n: YScalar, t: string[], a: Analysis): Style {
    const noTag = n.plainImplicit || n.quotedImplicit || !n.tag;
    let style: Style = n.literal ? 'literal' : 'plain';
    if (this.simpleKeyContext && a.multiline) style = 'double';
    if (style === 'plain') {
      if (!a.blockPlainAllowed) style = 'single';
      if (t.length === 0 && this.simpleKeyContext) style = 'single';
      if (noTag && !n.plainImplicit) style = 'single';
    }
    if (style === 'single' && !a.singleQuotedAllowed) style = 'double';
    if (style === 'literal' && (!a.blockAllowed || this.simpleKeyContext)) style = 'double';
    return style;
  }

  private increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent);
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  private put(ch: string): void {
    this.out.push(ch);
    this.column++;
  }

  private putBreak(): void {
    this.out.push('\n');
    this.column = 0;
  }

  /** WRITE_BREAK: `\n` as a line break, other breaks copied as they are. */
  private writeBreak(ch: string): void {
    this.out.push(ch);
    this.column = 0;
  }

  private writeIndent(): void {
    const indent = this.indent >= 0 ? this.indent : 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.putBreak();
    }
    while (this.column < indent) this.put(' ');
    this.whitespace = true;
    this.indention = true;
  }

  private writeIndicator(
    indicator: string,
    needWhitespace: boolean,
    isWhitespace: boolean,
    isIndention: boolean,
  ): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    for (const ch of indicator) this.put(ch);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  private processAnchor(anchor: string | undefined): void {
    if (anchor === undefined) return;
    this.writeIndicator('&', true, false, false);
    this.writeAnchor(anchor);
  }

  private writeAnchor(anchor: string): void {
    for (const ch of anchor) this.put(ch);
    this.whitespace = false;
    this.indention = false;
  }

  /** A local tag such as `!vault`: handle `!`, then the suffix. */
  private writeTagHandle(tag: string): void {
    if (!this.whitespace) this.put(' ');
    for (const ch of tag) this.put(ch);
    this.whitespace = false;
    this.indention = false;
  }

  private writePlain(t: string[], allowBreaks: boolean): void {
    if (!this.whitespace && t.length) this.put(' ');
    let spaces = false;
    for (let i = 0; i < t.length; i++) {
      const ch = t[i]!;
      if (ch === ' ') {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && t[i + 1] !== ' ') {
          this.writeIndent();
        } else {
          this.put(ch);
        }
        spaces = true;
      } else {
        // plain scalars never hold line breaks (analyze forbids it)
        this.put(ch);
        this.indention = false;
        spaces = false;
      }
    }
    this.whitespace = false;
    this.indention = false;
  }

  private writeSingleQuoted(t: string[], allowBreaks: boolean): void {
    this.writeIndicator("'", true, false, false);
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < t.length; i++) {
      const ch = t[i]!;
      if (ch === ' ') {
        if (
          allowBreaks &&
          !spaces &&
          this.column > BEST_WIDTH &&
          i !== 0 &&
          i !== t.length - 1 &&
          t[i + 1] !== ' '
        ) {
          this.writeIndent();
        } else {
          this.put(ch);
        }
        spaces = true;
      } else if (isBreak(ch)) {
        if (!breaks && ch === '\n') this.putBreak();
        this.writeBreak(ch);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        if (ch === "'") this.put("'");
        this.put(ch);
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    if (breaks) this.writeIndent();
    this.writeIndicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeDoubleQuoted(t: string[], allowBreaks: boolean): void {
    this.writeIndicator('"', true, false, false);
    let spaces = false;
    for (let i = 0; i < t.length; i++) {
      const ch = t[i]!;
      if (!isPrintable(ch) || isBreak(ch) || ch === '"' || ch === '\\') {
        const c = ch.codePointAt(0)!;
        this.put('\\');
        const esc = ESCAPES[c];
        if (esc !== undefined) this.put(esc);
        else {
          const [letter, width] = c <= 0xff ? ['x', 2] : c <= 0xffff ? ['u', 4] : ['U', 8];
          for (const d of letter + c.toString(16).toUpperCase().padStart(width, '0')) this.put(d);
        }
        spaces = false;
      } else if (ch === ' ') {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i !== 0 && i !== t.length - 1) {
          this.writeIndent();
          if (t[i + 1] === ' ') this.put('\\');
        } else {
          this.put(ch);
        }
        spaces = true;
      } else {
        this.put(ch);
        spaces = false;
      }
    }
    this.writeIndicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  /** yaml_emitter_write_literal_scalar (only `!vault |` ciphertext comes this way). */
  private writeLiteral(t: string[]): void {
    this.writeIndicator('|', true, false, false);
    if (t[0] === ' ' || isBreak(t[0]))
      this.writeIndicator(String(BEST_INDENT), false, false, false);
    this.openEnded = 0;
    let chomp = '';
    if (t.length === 0 || !isBreak(t[t.length - 1])) chomp = '-';
    else if (t.length === 1 || isBreak(t[t.length - 2])) {
      chomp = '+';
      this.openEnded = 2;
    }
    if (chomp) this.writeIndicator(chomp, false, false, false);
    this.putBreak();
    this.indention = true;
    this.whitespace = true;
    let breaks = true;
    for (const ch of t) {
      if (isBreak(ch)) {
        this.writeBreak(ch);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(ch);
        this.indention = false;
        breaks = false;
      }
    }
  }
}
