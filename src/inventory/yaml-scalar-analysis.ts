/**
 * The scalar side of libyaml's emitter (src/emitter.c, yaml_private.h): which
 * characters it counts as printable or as line breaks, and what a scalar's text
 * allows (yaml_emitter_analyze_scalar). yaml-emit.ts decides styles from this.
 */
export type YScalar = {
  kind: 'scalar';
  /** the tag to write, when neither implicit flag lets it be left out */
  tag?: string;
  value: string;
  literal?: boolean;
  /** the resolver reads the plain text back as this node's tag */
  plainImplicit: boolean;
  /** the node is a str, so any quoted style reads back the same */
  quotedImplicit: boolean;
};
export type YNode =
  YScalar | { kind: 'seq'; items: YNode[] } | { kind: 'map'; pairs: [YNode, YNode][] };

export const isBreak = (ch: string | undefined) =>
  ch === '\r' || ch === '\n' || ch === '\x85' || ch === '\u2028' || ch === '\u2029';
/** IS_BLANKZ: space, tab, a line break or the end (NUL) */
export const isBlankz = (ch: string | undefined) =>
  ch === undefined || ch === ' ' || ch === '\t' || ch === '\0' || isBreak(ch);

/** IS_PRINTABLE on the character's UTF-8 bytes: the BMP minus controls, surrogates, BOM, U+FFFE/F. */
export function isPrintable(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return (
    c === 0x0a ||
    (c >= 0x20 && c <= 0x7e) ||
    (c >= 0xa0 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff)
  );
}

export const utf8Length = (t: string[]) =>
  t.reduce((n, ch) => {
    const c = ch.codePointAt(0)!;
    return n + (c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4);
  }, 0);

export interface Analysis {
  multiline: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

/** yaml_emitter_analyze_scalar (the flow-plain flag is never needed here). */
export function analyze(t: string[]): Analysis {
  if (t.length === 0) {
    return {
      multiline: false,
      blockPlainAllowed: true,
      singleQuotedAllowed: true,
      blockAllowed: false,
    };
  }
  let blockIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  const head = t.slice(0, 3).join('');
  if (head === '---' || head === '...') blockIndicators = true;
  let precededByWs = true;
  let followedByWs = isBlankz(t[1]);
  for (let i = 0; i < t.length; i++) {
    const ch = t[i]!;
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      if ((ch === '?' || ch === ':' || ch === '-') && followedByWs) blockIndicators = true;
    } else {
      if (ch === ':' && followedByWs) blockIndicators = true;
      if (ch === '#' && precededByWs) blockIndicators = true;
    }
    if (!isPrintable(ch)) special = true;
    if (isBreak(ch)) lineBreaks = true;
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === t.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(ch)) {
      if (i === 0) leadingBreak = true;
      if (i === t.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = previousBreak = false;
    }
    precededByWs = isBlankz(ch);
    followedByWs = isBlankz(t[i + 2]);
  }
  const a: Analysis = {
    multiline: lineBreaks,
    blockPlainAllowed: true,
    singleQuotedAllowed: true,
    blockAllowed: true,
  };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) a.blockPlainAllowed = false;
  if (trailingSpace) a.blockAllowed = false;
  if (breakSpace) a.blockPlainAllowed = a.singleQuotedAllowed = false;
  if (spaceBreak || special) {
    a.blockPlainAllowed = a.singleQuotedAllowed = a.blockAllowed = false;
  }
  if (lineBreaks || blockIndicators) a.blockPlainAllowed = false;
  return a;
}

export const ESCAPES: Record<number, string> = {
  0x00: '0',
  0x07: 'a',
  0x08: 'b',
  0x09: 't',
  0x0a: 'n',
  0x0b: 'v',
  0x0c: 'f',
  0x0d: 'r',
  0x1b: 'e',
  0x22: '"',
  0x5c: '\\',
  0x85: 'N',
  0xa0: '_',
  0x2028: 'L',
  0x2029: 'P',
};
