// XML 1.0 text and attribute values from any string: escaped, and without the characters XML 1.0
// forbids (C0 controls but tab, CR and LF; lone surrogates; U+FFFE and U+FFFF), which no parser
// accepts even as character references (https://www.w3.org/TR/xml/#charsets). A check's message is
// learner output: it can hold a colour's escape sequence or a NUL. Colours go whole, not just their ESC.
import { stripVTControlCharacters } from 'node:util';

const FORBIDDEN =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function xmlAllowed(text: string): string {
  return stripVTControlCharacters(text).replace(FORBIDDEN, '');
}

export function xmlText(text: string): string {
  return xmlAllowed(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** For a double-quoted attribute. Line breaks and tabs as references: a parser would turn them into spaces. */
export function xmlAttribute(text: string): string {
  return xmlText(text).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
