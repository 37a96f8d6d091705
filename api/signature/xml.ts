import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { SignatureRefusal } from './errors';

/** A signed document is a short form; anything larger is refused before it is parsed. */
export const MAX_SIGNED_XML_CHARS = 32 * 1024;
const MAX_DEPTH = 16;
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
/** The namespace of every document this service asks people to sign. */
export const DOCUMENT_NS = 'urn:kz:kindergarten-queue:v1';

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const PROCESSING_INSTRUCTION_NODE = 7;
const COMMENT_NODE = 8;

export function childElements(node: Element | Document): Element[] {
  const out: Element[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.nodeType === ELEMENT_NODE) out.push(c as Element);
  return out;
}

function depthWithin(el: Element, limit: number): boolean {
  if (limit === 0) return false;
  return childElements(el).every((c) => depthWithin(c, limit - 1));
}

/**
 * Parses XML from someone we do not trust yet: bounded size, no DOCTYPE (so no entity expansion),
 * every parser complaint fatal, bounded nesting.
 */
export function parseUntrustedXml(xml: string): Document {
  if (xml.length > MAX_SIGNED_XML_CHARS) {
    throw new SignatureRefusal('SIGNED_XML_TOO_LARGE', `a signed document may be at most ${MAX_SIGNED_XML_CHARS} characters`);
  }
  // XML 1.0 `Char`: the parser would take what XML forbids (NUL, most C0 controls, U+FFFE/FFFF, lone surrogates).
  if (NOT_XML_CHAR.test(xml)) throw new SignatureRefusal('XML_MALFORMED', 'the signed document holds characters XML does not allow');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw new SignatureRefusal('XML_DOCTYPE_FORBIDDEN', 'signed documents may not carry a DOCTYPE or entity declarations');
  }
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        throw new Error(`${level}: ${message}`);
      },
    }).parseFromString(xml, 'application/xml');
  } catch {
    throw new SignatureRefusal('XML_MALFORMED', 'the signed document is not well-formed XML');
  }
  const root = doc.documentElement;
  if (!root) throw new SignatureRefusal('XML_MALFORMED', 'the signed document has no root element');
  if (!depthWithin(root, MAX_DEPTH)) throw new SignatureRefusal('XML_MALFORMED', `the signed document nests deeper than ${MAX_DEPTH}`);
  refuseHiddenNodes(doc);
  return doc;
}

/**
 * Our documents hold elements and text only. A processing instruction is canonicalised by
 * xml-crypto as its bare text (`<a>1<?x 2?></a>` digests as `<a>12</a>`, SECURITY.md), so a field
 * could read one way and be signed another: refused anywhere but the XML declaration. A comment
 * is outside the digest under C14N without comments, so one could be added after signing and the
 * evidence we keep would no longer be what was signed: refused anywhere too.
 */
function refuseHiddenNodes(doc: Document): void {
  const visit = (node: Document | Element): void => {
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === PROCESSING_INSTRUCTION_NODE) {
        const declaration = node === doc && c === doc.firstChild && c.nodeName === 'xml';
        if (!declaration) {
          throw new SignatureRefusal('XML_PROCESSING_INSTRUCTION_FORBIDDEN', 'signed documents may not carry processing instructions (<?…?>)');
        }
      } else if (c.nodeType === COMMENT_NODE) {
        throw new SignatureRefusal('XML_COMMENT_FORBIDDEN', 'signed documents may not carry comments (<!--…-->)');
      } else if (c.nodeType === ELEMENT_NODE) {
        visit(c as Element);
      }
    }
  };
  visit(doc);
}

export type Fields = { [name: string]: string | Fields | Array<string | Fields> };

/** Elements a document may repeat (a list, R2.3's uploads): always read as an array. */
const LIST_ELEMENTS = new Set(['upload']);

/**
 * The fields of one of our documents: an element with only text is a string, one with child
 * elements a nested record. Attributes other than namespace declarations and repeated names are
 * refused: our documents have neither, so their presence means the document is not ours.
 */
export function documentFields(el: Element): Fields {
  const out: Fields = {};
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i)!;
    if (a.name !== 'xmlns' && !a.name.startsWith('xmlns:')) {
      throw new SignatureRefusal('SIGNED_CONTENT_INVALID', `unexpected attribute ${a.name} on <${el.localName}>`);
    }
  }
  for (const child of childElements(el)) {
    const name = child.localName ?? child.nodeName;
    const value = childElements(child).length > 0 ? documentFields(child) : textOf(child);
    if (LIST_ELEMENTS.has(name)) {
      const list = (out[name] ??= []) as Array<string | Fields>;
      list.push(value);
      continue;
    }
    if (name in out) throw new SignatureRefusal('SIGNED_CONTENT_INVALID', `<${name}> appears twice`);
    out[name] = value;
  }
  return out;
}

function textOf(el: Element): string {
  let text = '';
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === TEXT_NODE || c.nodeType === CDATA_SECTION_NODE) text += c.nodeValue ?? '';
  }
  return text.trim();
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Writes one of our documents: the inverse of `documentFields`. */
export function documentXml(name: string, fields: Record<string, unknown>): string {
  const body = (f: Record<string, unknown>): string =>
    Object.entries(f)
      .filter(([, v]) => v !== undefined && v !== null)
      .flatMap(([k, v]) => (Array.isArray(v) ? v.map((item) => [k, item] as const) : [[k, v] as const]))
      .map(([k, v]) => (typeof v === 'object' ? `<${k}>${body(v as Record<string, unknown>)}</${k}>` : `<${k}>${escapeXml(String(v))}</${k}>`))
      .join('');
  return `<${name} xmlns="${DOCUMENT_NS}">${body(fields)}</${name}>`;
}
