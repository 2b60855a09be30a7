// A single-pass lexer for xl domain config files that behaves like xl's flex
// scanner (tools/libs/util/libxlu_cfg_l.l): same tokens, same longest-match
// choices, same error state, same line counting. Written from the rules in
// ../../../shared/xl-syntax.md §1, not from xl's code.

import {
  createPositionMap,
  locateOffset,
  makeDiagnostic,
  type TDiagnostic,
  type TDiagnosticCode,
  type TPositionMap,
} from "./diagnostics";

export type TTokenKind = "IDENT" | "NUMBER" | "STRING" | "NEWLINE" | "OP_ADD" | "=" | ";" | "[" | "]" | "," | "EOF";

export type TToken = {
  kind: TTokenKind;
  /** Offsets into the text: [start, end). */
  start: number;
  end: number;
  /** The raw text of the token (for STRING with its quotes, for a comment NEWLINE the whole comment). */
  text: string;
  /** Decoded value of STRING, text of IDENT and NUMBER. */
  value: string;
  /** The line number xl stores in the token's location (NEWLINE: the line it ends). */
  xlLine: number;
  /** Real 1-based line and column of start. */
  line: number;
  column: number;
  /** For STRING tokens: which quote was used. */
  quote?: "'" | '"';
};

/** The error state shared by the lexer and the parser, as xl keeps it. */
export type TXlParseContext = {
  text: string;
  source: string;
  map: TPositionMap;
  /** Set by the first error: xl's ctx->err. */
  failed: boolean;
  /** xl's ctx->lexerrlineno: errors on this line or before are not printed. */
  lexErrorLine: number;
  /** xl's ctx->likely_python. */
  likelyPython: boolean;
  diagnostics: TDiagnostic[];
};

export function createParseContext(text: string, source: string): TXlParseContext {
  return {
    text,
    source,
    map: createPositionMap(text),
    failed: false,
    lexErrorLine: -1,
    likelyPython: false,
    diagnostics: [],
  };
}

const CH_TAB = 9;
const CH_NL = 10;
const CH_CR = 13;
const CH_SPACE = 32;

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isIdentTail(c: number): boolean {
  return isLower(c) || isDigit(c) || c === 46 /* . */ || c === 95 /* _ */;
}
function isNumberTail(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) /* a-f */ || c === 120 /* x */;
}
function isBlank(c: number): boolean {
  return c === CH_SPACE || c === CH_TAB;
}
/** `[+-.():]` of xl's lexer: + , - . ( ) : (the comma is taken earlier). */
function isPythonChar(c: number): boolean {
  return c === 43 || c === 45 || c === 46 || c === 40 || c === 41 || c === 58;
}

/** The text xl puts after "near" and the line it prints, as xlu__cfg_yyerror computes them. */
export function formatXlError(source: string, locLine: number, tokenText: string, message: string): string {
  let len = tokenText.length;
  let line = locLine;
  let newline = "";
  if (len > 0 && tokenText.charCodeAt(len - 1) === CH_NL) {
    len--;
    line--;
    if (len === 0) newline = "<newline>";
  }
  while (len > 0 && isBlank(tokenText.charCodeAt(len - 1))) len--;
  // A NUL ends the text when C prints it with %.*s.
  const nul = tokenText.indexOf("\0");
  const shown = tokenText.slice(0, nul >= 0 && nul < len ? nul : len);
  const near = len > 0 ? "`" + shown + "'" : "";
  return `${source}:${line}: config parsing error near ${near}${newline}: ${message}`;
}

/**
 * Reports an error the way xlu__cfg_yyerror does: suppressed when the line
 * already had a lexical error; marks the parse as failed.
 * Returns whether xl would print it.
 */
export function reportXlError(
  ctx: TXlParseContext,
  locLine: number,
  tokenText: string,
  xlText: string,
  diagnostic: TDiagnostic,
  isLexical: boolean,
): boolean {
  const shown = locLine > ctx.lexErrorLine;
  if (shown) {
    diagnostic.xlMessage = formatXlError(ctx.source, locLine, tokenText, xlText);
    ctx.diagnostics.push(diagnostic);
  }
  ctx.failed = true;
  if (isLexical) ctx.lexErrorLine = locLine;
  return shown;
}

function classifyLexError(text: string, start: number, previousEnd: number, previousKind: TTokenKind | null): TDiagnosticCode {
  const c = text.charCodeAt(start);
  if (c === CH_CR) return "XL_LEX_CR";
  if (c === 35 /* # */) return "XL_LEX_COMMENT_AT_EOF";
  if (c === 39 || c === 34) return "XL_LEX_UNTERMINATED_STRING";
  if (previousKind === "NUMBER" && previousEnd === start && /[0-9A-Za-z_]/.test(text.charAt(start))) return "XL_LEX_BAD_NUMBER";
  if (c >= 65 && c <= 90) return "XL_LEX_UPPERCASE";
  if (isPythonChar(c)) return "XL_LEX_PYTHON";
  return "XL_LEX_BAD_CHAR";
}

const LEX_HINTS: Record<string, { message: string; hint: string }> = {
  XL_LEX_CR: {
    message: "Carriage return character (Windows CRLF line ending): xl rejects it on every line.",
    hint: "Convert the file to Unix line endings (dos2unix).",
  },
  XL_LEX_COMMENT_AT_EOF: {
    message: "A comment on the last line must end with a newline; xl rejects it otherwise.",
    hint: "Add a newline at the end of the file.",
  },
  XL_LEX_UNTERMINATED_STRING: {
    message: "This quote is never closed on the same line.",
    hint: "Close the string with the same quote; strings cannot span lines.",
  },
  XL_LEX_BAD_NUMBER: {
    message: "Unquoted numbers may contain only digits, lower-case a-f and x.",
    hint: "Write the value in quotes, or use lower-case hex (0x1f).",
  },
  XL_LEX_UPPERCASE: {
    message: "Upper-case letters are not allowed outside strings: xl names are lower case.",
    hint: "Write the key in lower case, or put the value in quotes (e.g. 'True' is not a value; use 1).",
  },
  XL_LEX_PYTHON: {
    message: "One of + - . ( ) : outside a string: this looks like Python, which xl does not run.",
    hint: "Put the value in quotes; xl has no expressions, negative or decimal numbers.",
  },
  XL_LEX_BAD_CHAR: {
    message: "A character xl does not allow outside strings.",
    hint: "Remove it or put the value in quotes.",
  },
};

export type TLexer = {
  next(): TToken;
  /** xl's yylineno: 1 + newlines consumed so far. */
  lineNumber(): number;
};

/** Creates a pull lexer; errors go into ctx as xl would print them, in xl's order. */
export function createLexer(ctx: TXlParseContext): TLexer {
  const text = ctx.text;
  const n = text.length;
  let pos = 0;
  let lineno = 1;
  let previousEnd = -1;
  let previousKind: TTokenKind | null = null;
  let lineStart = 0;

  function where(start: number, end: number) {
    const a = locateOffset(ctx.map, start);
    const b = locateOffset(ctx.map, end);
    return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }

  function token(kind: TTokenKind, start: number, end: number, value: string, xlLine: number, line: number = lineno, column: number = start - lineStart + 1): TToken {
    previousEnd = end;
    previousKind = kind;
    return { kind, start, end, text: text.slice(start, end), value, xlLine, line, column };
  }

  function reportLexical(start: number, end: number, locLine: number, tokenText: string): void {
    const code = classifyLexError(text, start, previousEnd, previousKind);
    const info = LEX_HINTS[code] ?? { message: "Lexical error.", hint: "" };
    const d = makeDiagnostic(code, info.message, where(start, end), info.hint);
    reportXlError(ctx, locLine, tokenText, "lexical error", d, true);
  }

  function lexString(start: number, quote: number): number {
    // Returns the end offset of a complete string, or -1.
    let i = start + 1;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === quote) return i + 1;
      if (c === CH_NL) return -1;
      if (c === 92 /* \ */) {
        if (i + 1 >= n || text.charCodeAt(i + 1) === CH_NL) return -1;
        i += 2;
      } else i++;
    }
    return -1;
  }

  function next(): TToken {
    for (;;) {
      if (pos >= n) {
        return { kind: "EOF", start: n, end: n, text: "\0", value: "", xlLine: -1, line: lineno, column: n - lineStart + 1 };
      }
      const start = pos;
      const c = text.charCodeAt(pos);
      if (isBlank(c)) {
        pos++;
        continue;
      }
      if (c === CH_NL) {
        pos++;
        const t = token("NEWLINE", start, pos, "\n", lineno);
        lineno++;
        lineStart = pos;
        return t;
      }
      if (c === 35 /* # */) {
        const nl = text.indexOf("\n", pos);
        if (nl >= 0) {
          pos = nl + 1;
          const t = token("NEWLINE", start, pos, "\n", lineno);
          lineno++;
          lineStart = pos;
          return t;
        }
        // fall through to the error state
      } else if (isLower(c)) {
        pos++;
        while (pos < n && isIdentTail(text.charCodeAt(pos))) pos++;
        return token("IDENT", start, pos, text.slice(start, pos), lineno);
      } else if (isDigit(c)) {
        pos++;
        while (pos < n && isNumberTail(text.charCodeAt(pos))) pos++;
        return token("NUMBER", start, pos, text.slice(start, pos), lineno);
      } else if (c === 44) {
        pos++;
        return token(",", start, pos, ",", lineno);
      } else if (c === 91) {
        pos++;
        return token("[", start, pos, "[", lineno);
      } else if (c === 93) {
        pos++;
        return token("]", start, pos, "]", lineno);
      } else if (c === 61) {
        pos++;
        return token("=", start, pos, "=", lineno);
      } else if (c === 59) {
        pos++;
        return token(";", start, pos, ";", lineno);
      } else if (c === 43 && pos + 1 < n && text.charCodeAt(pos + 1) === 61) {
        pos += 2;
        return token("OP_ADD", start, pos, "+=", lineno);
      } else if (c === 39 || c === 34) {
        const end = lexString(start, c);
        if (end >= 0) {
          pos = end;
          const value = decodeString(ctx, text, start, end, lineno, where);
          const t = token("STRING", start, end, value, lineno);
          t.quote = c === 39 ? "'" : '"';
          return t;
        }
        // fall through to the error state
      }
      // Error state: one bad character (a whole code point), then the rest of the word,
      // or one blank, or the newline.
      if (isPythonChar(c)) ctx.likelyPython = true;
      pos += c >= 0xd800 && c <= 0xdbff && pos + 1 < n ? 2 : 1;
      if (pos >= n) {
        // xl's scanner drops a lone bad character at the very end of the data.
        const code: TDiagnosticCode = c === 35 ? "XL_LEX_COMMENT_AT_EOF" : "XL_LEX_STRAY_AT_EOF";
        if (code === "XL_LEX_COMMENT_AT_EOF") {
          // A lone '#' at the end: silently dropped by xl too.
          ctx.diagnostics.push(
            makeDiagnostic(
              "XL_LEX_STRAY_AT_EOF",
              "A lone '#' at the very end of the file without a newline: xl ignores it, but adding text after it would break the file.",
              where(start, pos),
              "End the file with a newline.",
            ),
          );
        } else {
          ctx.diagnostics.push(
            makeDiagnostic(
              "XL_LEX_STRAY_AT_EOF",
              `Stray character ${JSON.stringify(text.slice(start, pos))} at the very end of the file: xl silently ignores it.`,
              where(start, pos),
              "Remove it and end the file with a newline.",
            ),
          );
        }
        continue;
      }
      const d = text.charCodeAt(pos);
      if (isBlank(d)) {
        pos++;
        reportLexical(start, pos - 1, lineno, text.slice(start, pos));
        continue;
      }
      if (d === CH_NL) {
        pos++;
        const realLine = lineno;
        const column = pos - 1 - lineStart + 1;
        lineno++;
        lineStart = pos;
        reportLexical(start, pos - 1, lineno, text.slice(start, pos));
        return token("NEWLINE", pos - 1, pos, "\n", lineno, realLine, column);
      }
      while (pos < n) {
        const e = text.charCodeAt(pos);
        if (isBlank(e) || e === CH_NL) break;
        pos++;
      }
      reportLexical(start, pos, lineno, text.slice(start, pos));
    }
  }

  return { next, lineNumber: () => lineno };
}

/** strtoul(s, &ep, 10) as far as the end pointer goes: how many characters it consumes. */
function measureDecimalStrtoul(s: string): number {
  let i = 0;
  while (i < s.length && " \t\n\v\f\r".includes(s.charAt(i))) i++;
  if (i < s.length && (s.charAt(i) === "+" || s.charAt(i) === "-")) i++;
  const digitsStart = i;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  return i === digitsStart ? 0 : i;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  "'": "'",
  "\\": "\\",
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

/** Decodes a quoted string as xl's xlu__cfgl_dequote does, with its bugs. */
function decodeString(
  ctx: TXlParseContext,
  text: string,
  start: number,
  end: number,
  lineno: number,
  where: (s: number, e: number) => { line: number; column: number; endLine: number; endColumn: number },
): string {
  const raw = text.slice(start, end);
  const nulAt = raw.indexOf("\0");
  if (nulAt >= 0) {
    if (!ctx.failed) {
      const d = makeDiagnostic(
        "XL_STRING_NUL",
        "A NUL byte inside a string: xl aborts on this file.",
        where(start + nulAt, start + nulAt + 1),
        "Remove the NUL byte.",
      );
      ctx.diagnostics.push(d);
    }
    ctx.failed = true;
    return raw.slice(1, nulAt);
  }
  if (raw.indexOf("\\") < 0) return raw.slice(1, -1);
  if (ctx.failed) return raw.slice(1, -1); // xl stops decoding once the parse has failed
  let out = "";
  let p = 1;
  const last = raw.length - 1;
  while (p < last) {
    const ch = raw.charAt(p++);
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const escAt = p - 1;
    const nc = raw.charAt(p++);
    const simple = SIMPLE_ESCAPES[nc];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    let code: "XL_STRING_HEX_ESCAPE" | "XL_STRING_OCTAL_ESCAPE" | "XL_STRING_BAD_ESCAPE";
    let xlText: string;
    let message: string;
    if (nc === "x") {
      code = "XL_STRING_HEX_ESCAPE";
      xlText = "invalid digit after backslash hexnumerical character escape in quoted string";
      message = "\\x escapes never work in xl (a bug in xl rejects every one).";
    } else if (nc >= "0" && nc <= "7") {
      const consumed = measureDecimalStrtoul(raw.slice(p, Math.min(p + 3, raw.length)));
      if (consumed > 1) {
        ctx.diagnostics.push(
          makeDiagnostic(
            "XL_STRING_OCTAL_DROPPED",
            `The escape ${JSON.stringify(raw.slice(escAt, p + consumed))} is accepted by xl but produces no character at all.`,
            where(start + escAt, start + p + consumed),
            "Write the character itself instead of an escape.",
          ),
        );
        p += consumed;
        continue;
      }
      code = "XL_STRING_OCTAL_ESCAPE";
      xlText = "invalid digit after backslash octalnumerical character escape in quoted string";
      message = "Malformed octal escape: xl needs two more digits after the first (and then drops the character).";
    } else {
      code = "XL_STRING_BAD_ESCAPE";
      xlText = "invalid character after backlash in quoted string";
      message = `Unknown escape \\${nc} in a string: xl rejects it.`;
    }
    const d = makeDiagnostic(code, message, where(start + escAt, Math.min(start + p + 1, end)), "Only \\\\ \\' \\\" \\a \\b \\f \\n \\r \\t \\v work; write other characters directly.");
    reportXlError(ctx, lineno, raw, xlText, d, true);
    return out;
  }
  return out;
}
