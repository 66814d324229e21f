// Text from Docker or the database, made safe to print on a terminal or in a log.

/**
 * C0 controls (ESC, CR, BS, NUL, ... and LF, TAB), DEL, C1 controls (U+0080–U+009F, CSI and OSC
 * among them), and the Unicode bidi embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069) that can make a name read as another one.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  switch (c) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
  }
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One value (a name, a status, a host) as text: every control and bidi character escaped, LF too. */
export function escapeControl(value: string): string {
  return value.replace(UNSAFE, escapeChar);
}

/** Lines of text for a terminal or a log: the same, but line breaks stay line breaks. */
export function escapeTerminal(text: string): string {
  return text.replace(UNSAFE_BUT_NEWLINE, escapeChar);
}

/**
 * JSON for a terminal: `JSON.stringify` escapes C0 but leaves DEL, C1 and the bidi characters
 * raw; they are written as `\uXXXX`, which any JSON parser reads back as the same string.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
