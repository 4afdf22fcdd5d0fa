/**
 * POSIX-mode `shlex.split(line, comments=True)`, which Ansible's INI plugin uses
 * to split a host line into a host pattern and key=value tokens. Quotes are
 * removed, `\` escapes outside single quotes, and `#` starts a comment wherever a
 * token could continue. Throws ShlexError on an unterminated quote or escape.
 */
export class ShlexError extends Error {}

export function shlexSplit(line: string): string[] {
  // Most inventory lines have no quotes, escapes or comments: plain whitespace split.
  if (!/["'\\#]/.test(line)) return line.split(/[ \t\r\n]+/).filter((t) => t !== '');
  const tokens: string[] = [];
  let token = '';
  let inToken = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (inToken) tokens.push(token);
      token = '';
      inToken = false;
      i++;
    } else if (c === '#') {
      break;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new ShlexError('No escaped character');
      token += line[i + 1];
      inToken = true;
      i += 2;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new ShlexError('No closing quotation');
      token += line.slice(i + 1, end);
      inToken = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new ShlexError('No closing quotation');
        const d = line[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < line.length && (line[i + 1] === '"' || line[i + 1] === '\\')) {
          token += line[i + 1];
          i += 2;
          continue;
        }
        token += d;
        i++;
      }
      i++;
      inToken = true;
    } else {
      token += c;
      inToken = true;
      i++;
    }
  }
  if (inToken) tokens.push(token);
  return tokens;
}
