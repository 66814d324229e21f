// Text from Docker or the database, made safe to print on a terminal or in a log.

/**
 * C0 controls (ESC, CR, BS, NUL, ... and LF, TAB), DEL, C1 controls (U+0080–U+009F, CSI and OSC
 * among them), the Unicode bidi embeddings, overrides, isolates and marks (U+202A–U+202E,
 * U+2066–U+2069, U+200E, U+200F, U+061C), and the invisible characters that make two names look
 * the same (U+200B–U+200D zero widths, U+2060–U+2064, U+FEFF, U+180E, U+00AD soft hyphen).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
const UNSAFE_BUT_NEWLINE =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

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
  return JSON.stringify(value, null, 2).replace(
    /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
