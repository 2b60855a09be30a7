// The grammar of xl config files (xl-syntax.md §2), parsed the way xl's Bison
// parser does it: same accepted language, same "syntax error, unexpected X,
// expecting Y" texts, same recovery at the next newline (and the same three
// tokens of silence after an error), same abort when an error follows a
// complete last assignment. The result keeps every offset so that the text can
// be printed back byte for byte and edited in place.

import { locateOffset, makeDiagnostic, type TDiagnosticCode } from "./diagnostics";
import { createLexer, reportXlError, type TToken, type TTokenKind, type TXlParseContext } from "./lexer";

type TSpan = {
  /** Offsets into the config text: [start, end). */
  start: number;
  end: number;
  /** 1-based line and column of start. */
  line: number;
  column: number;
};

export type TXlString = TSpan & { kind: "string"; value: string; raw: string; quote: "'" | '"' };
export type TXlNumber = TSpan & { kind: "number"; value: string; raw: string };
export type TXlList = TSpan & { kind: "list"; items: TXlValue[] };
export type TXlValue = TXlString | TXlNumber | TXlList;

export type TXlSetting = TSpan & {
  name: string;
  op: "=" | "+=";
  value: TXlValue;
  /** xl's line number for the setting (the line where its value starts). */
  xlLine: number;
};

const TOKEN_NAMES: Record<TTokenKind, string> = {
  IDENT: "IDENT",
  NUMBER: "NUMBER",
  STRING: "STRING",
  NEWLINE: "NEWLINE",
  OP_ADD: "+=",
  "=": "'='",
  ";": "';'",
  "[": "'['",
  "]": "']'",
  ",": "','",
  EOF: "$end",
};

const EXPECT_STATEMENT = ["$end", "IDENT", "NEWLINE", "';'"];
const EXPECT_OPERATOR = ["+=", "'='"];
const EXPECT_VALUE = ["STRING", "NUMBER", "'['"];
const EXPECT_CLOSE = ["']'"];
const EXPECT_END = ["$end"];
/** Bison's YYMAXDEPTH: the most states xl's parser stack can hold. */
const BISON_MAX_DEPTH = 10000;

type TParser = {
  ctx: TXlParseContext;
  settings: TXlSetting[];
};

export function parseXlTokens(ctx: TXlParseContext): TXlSetting[] {
  const lexer = createLexer(ctx);
  const settings: TXlSetting[] = [];
  const state: TParser = { ctx, settings };
  let lookahead: TToken | null = null;
  let lastXlLine = 1;
  let errStatus = 0;
  let aborted = false;
  let lastShifted: TToken | null = null;

  function peek(): TToken {
    if (lookahead === null) {
      const t = lexer.next();
      if (t.kind === "EOF") t.xlLine = lastXlLine;
      else lastXlLine = t.xlLine;
      lookahead = t;
    }
    return lookahead;
  }
  function shift(): TToken {
    const t = peek();
    lookahead = null;
    lastShifted = t;
    if (errStatus > 0) errStatus--;
    return t;
  }


  function syntaxError(expected: string[]): void {
    const t = peek();
    if (errStatus !== 0) return;
    const unexpected = TOKEN_NAMES[t.kind];
    const xlText = `syntax error, unexpected ${unexpected}` + (expected.length > 0 && expected.length <= 4 ? `, expecting ${expected.join(" or ")}` : "");
    const { code, message, hint } = explainSyntaxError(ctx, t, expected);
    const startPos = locateOffset(ctx.map, t.start);
    const endPos = locateOffset(ctx.map, t.end);
    const d = makeDiagnostic(code, message, { line: startPos.line, column: startPos.column, endLine: endPos.line, endColumn: endPos.column }, hint);
    reportXlError(ctx, t.xlLine, t.text, xlText, d, false);
  }

  /** Bison's recovery: pop to the statement list, then drop tokens up to a NEWLINE. */
  function recover(): void {
    errStatus = 3;
    for (;;) {
      const t = peek();
      if (t.kind === "NEWLINE") {
        shift(); // error NEWLINE; the status drops to 2
        return;
      }
      if (t.kind === "EOF") {
        aborted = true;
        return;
      }
      lookahead = null; // discarded, not a shift
    }
  }

  function isValueStart(k: TTokenKind): boolean {
    return k === "STRING" || k === "NUMBER" || k === "[";
  }

  function skipNewlines(): void {
    while (peek().kind === "NEWLINE") shift();
  }

  function parseAtom(): TXlValue {
    const t = shift();
    if (t.kind === "STRING") return { kind: "string", start: t.start, end: t.end, line: t.line, column: t.column, value: t.value, raw: t.text, quote: t.quote ?? "'" };
    return { kind: "number", start: t.start, end: t.end, line: t.line, column: t.column, value: t.value, raw: t.text };
  }

  /** A list, nested lists included, without recursion (the nesting can be thousands deep). */
  function parseList(): TXlList | null {
    const frames: { open: TToken; items: TXlValue[] }[] = [];
    let mode: "open" | "first" | "after" | "afterComma" = "open";
    for (;;) {
      if (mode === "open") {
        const open = shift();
        const depth = frames.length + 1;
        if (2 * depth + 4 >= BISON_MAX_DEPTH) {
          // Bison's stack (YYMAXDEPTH states) is full: xl gives up on the whole file.
          const p = locateOffset(ctx.map, open.start);
          const d = makeDiagnostic("XL_SYNTAX", `Lists nested ${depth} deep: xl's parser runs out of stack and gives up.`, { line: p.line, column: p.column }, "Do not nest lists.");
          reportXlError(ctx, open.xlLine, open.text, "memory exhausted", d, false);
          aborted = true;
          return null;
        }
        frames.push({ open, items: [] });
        skipNewlines();
        mode = "first";
        continue;
      }
      const top = frames[frames.length - 1];
      if (!top) return null;
      const t = peek();
      if (t.kind === "]") {
        const close = shift();
        frames.pop();
        const list: TXlList = { kind: "list", start: top.open.start, end: close.end, line: top.open.line, column: top.open.column, items: top.items };
        const parent = frames[frames.length - 1];
        if (!parent) return list;
        parent.items.push(list);
        skipNewlines();
        mode = "after";
        continue;
      }
      if (mode === "after") {
        if (t.kind !== ",") {
          syntaxError(EXPECT_CLOSE);
          return null;
        }
        shift();
        skipNewlines();
        mode = "afterComma";
        continue;
      }
      // "first" or "afterComma": a value may come here.
      if (!isValueStart(t.kind)) {
        syntaxError(EXPECT_CLOSE);
        return null;
      }
      if (t.kind === "[") {
        mode = "open";
        continue;
      }
      top.items.push(parseAtom());
      skipNewlines();
      mode = "after";
    }
  }

  function parseAssignment(): TXlSetting | null {
    const ident = shift();
    const opTok = peek();
    if (opTok.kind !== "=" && opTok.kind !== "OP_ADD") {
      syntaxError(EXPECT_OPERATOR);
      return null;
    }
    shift();
    const vt = peek();
    if (!isValueStart(vt.kind)) {
      syntaxError(EXPECT_VALUE);
      return null;
    }
    const value = vt.kind === "[" ? parseList() : parseAtom();
    if (value === null) return null;
    return {
      start: ident.start,
      end: value.end,
      line: ident.line,
      column: ident.column,
      name: ident.value,
      op: opTok.kind === "=" ? "=" : "+=",
      value,
      xlLine: vt.xlLine,
    };
  }

  function store(setting: TXlSetting): void {
    // xlu__cfg_set_store: += concatenates with the newest setting of that name.
    if (setting.op === "+=" && !ctx.failed) {
      const previous = findEffectiveKind(state.settings, setting.name);
      const addKind = setting.value.kind === "list" ? "list" : "string";
      if (previous !== null && previous !== addKind) {
        const p = locateOffset(ctx.map, setting.start);
        const d = makeDiagnostic(
          "XL_CONCAT_TYPE",
          `'${setting.name} +=' adds a ${addKind} to a ${previous}: xl refuses the file.`,
          { line: p.line, column: p.column },
          previous === "list" ? "Write the added value in brackets: [ '...' ]." : "Add a quoted string, not a list.",
        );
        const last = lastShifted;
        reportXlError(ctx, lexer.lineNumber(), last ? last.text : "", `can't add [list] to "string" or vice versa`, d, true);
      }
    }
    state.settings.push(setting);
  }

  for (;;) {
    if (aborted) break;
    const t = peek();
    if (t.kind === "EOF") break;
    if (t.kind === "NEWLINE" || t.kind === ";") {
      shift();
      continue;
    }
    if (t.kind === "IDENT") {
      const setting = parseAssignment();
      if (setting === null) {
        if (!aborted) recover();
        continue;
      }
      store(setting);
      const after = peek();
      if (after.kind === "NEWLINE" || after.kind === ";") {
        shift();
        continue;
      }
      if (after.kind === "EOF") break;
      // `file: stmts assignment` was reduced by default: only $end may follow, and
      // there is no way back to the statement list.
      syntaxError(EXPECT_END);
      aborted = true;
      break;
    }
    syntaxError(EXPECT_STATEMENT);
    recover();
  }
  return settings;
}

function findEffectiveKind(settings: readonly TXlSetting[], name: string): "list" | "string" | null {
  for (let i = settings.length - 1; i >= 0; i--) {
    const s = settings[i];
    if (s !== undefined && s.name === name) return s.value.kind === "list" ? "list" : "string";
  }
  return null;
}

function describeToken(t: TToken): string {
  switch (t.kind) {
    case "EOF":
      return "the end of the file";
    case "NEWLINE":
      return t.text === "\n" ? "the end of the line" : "a comment";
    case "STRING":
      return `the string ${t.text}`;
    case "NUMBER":
      return `the number ${t.text}`;
    case "IDENT":
      return `the word '${t.text}'`;
    default:
      return `'${t.text}'`;
  }
}

function explainSyntaxError(ctx: TXlParseContext, t: TToken, expected: string[]): { code: TDiagnosticCode; message: string; hint: string } {
  const found = describeToken(t);
  if (expected === EXPECT_VALUE) {
    if (t.kind === "IDENT") {
      return {
        code: "XL_SYNTAX_BARE_WORD",
        message: `Unquoted word '${t.text}' used as a value: xl values are quoted strings, numbers or lists.`,
        hint: `Quote it: '${t.text}'.`,
      };
    }
    if (t.kind === "NEWLINE") {
      const rest = ctx.text.slice(t.end).replace(/^(?:[ \t]*(?:#[^\n]*)?\n)*[ \t]*/, "");
      if (rest.startsWith("[")) {
        return {
          code: "XL_SYNTAX_NEWLINE_BEFORE_LIST",
          message: "A line break between '=' and '[': xl wants the '[' on the same line as the '='.",
          hint: "Move the '[' up to the line of the '='; line breaks are allowed after it.",
        };
      }
    }
    return { code: "XL_SYNTAX", message: `A value was expected after '=', found ${found}.`, hint: "Give a quoted string, a number, or a list in [ ]." };
  }
  if (expected === EXPECT_OPERATOR) {
    return { code: "XL_SYNTAX", message: `'=' or '+=' was expected after the name, found ${found}.`, hint: "Write settings as name = value." };
  }
  if (expected === EXPECT_CLOSE) {
    if (t.kind === "EOF") return { code: "XL_SYNTAX", message: "The list is never closed with ']'.", hint: "Add the missing ']'." };
    if (t.kind === ",") return { code: "XL_SYNTAX", message: "An empty element in a list (two commas, or a comma right after '[').", hint: "Remove the extra comma." };
    return { code: "XL_SYNTAX", message: `A ',' or ']' was expected in the list, found ${found}.`, hint: "Separate list elements with commas and close the list with ']'." };
  }
  if (expected === EXPECT_END) {
    return {
      code: "XL_SYNTAX",
      message: `Only the end of the line or ';' may follow a setting, found ${found}. xl stops reading the file here.`,
      hint: "Put each setting on its own line, or separate them with ';'.",
    };
  }
  return { code: "XL_SYNTAX", message: `A setting (name = value) was expected, found ${found}.`, hint: "Each line holds name = value, a comment, or nothing." };
}
